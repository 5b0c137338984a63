package dev.quiver.cluster.internal.raft;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import org.apache.ratis.thirdparty.io.grpc.EquivalentAddressGroup;
import org.apache.ratis.thirdparty.io.grpc.NameResolver;
import org.apache.ratis.thirdparty.io.grpc.NameResolverProvider;
import org.apache.ratis.thirdparty.io.grpc.NameResolverRegistry;
import org.apache.ratis.thirdparty.io.grpc.Status;

/**
 * Resolves peer host names for Ratis' (shaded) gRPC channels with the system resolver. gRPC's own
 * DNS resolver rejects names that are not strict LDH host names, such as the compose service names
 * {@code qdrant_node_1} that Qdrant's deployment files use; the system resolver (Docker's DNS,
 * {@code /etc/hosts}) answers them. Registered once, for the {@code dns} scheme, above gRPC's
 * resolver; it is re-asked on every reconnect, so a restarted container's new address is found.
 */
final class PeerNameResolver extends NameResolverProvider {
  private static volatile boolean registered;

  static synchronized void register() {
    if (!registered) {
      NameResolverRegistry.getDefaultRegistry().register(new PeerNameResolver());
      registered = true;
    }
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 6; // gRPC's DNS resolver is 5
  }

  @Override
  public String getDefaultScheme() {
    return "dns";
  }

  @Override
  public NameResolver newNameResolver(URI target, NameResolver.Args args) {
    if (!"dns".equals(target.getScheme()) || target.getPath() == null) {
      return null;
    }
    String authority =
        target.getPath().startsWith("/") ? target.getPath().substring(1) : target.getPath();
    int colon = authority.lastIndexOf(':');
    if (colon <= 0 || authority.startsWith("[")) {
      return null; // no port, or an IPv6 literal: leave it to gRPC's resolver
    }
    String host = authority.substring(0, colon);
    int port;
    try {
      port = Integer.parseInt(authority.substring(colon + 1));
    } catch (NumberFormatException e) {
      return null;
    }
    return new Resolver(authority, host, port, args.getOffloadExecutor());
  }

  private static final class Resolver extends NameResolver {
    private final String authority;
    private final String host;
    private final int port;
    private final Executor executor;
    private Listener2 listener;

    Resolver(String authority, String host, int port, Executor executor) {
      this.authority = authority;
      this.host = host;
      this.port = port;
      this.executor = executor == null ? Runnable::run : executor;
    }

    @Override
    public String getServiceAuthority() {
      return authority;
    }

    @Override
    public void start(Listener2 listener) {
      this.listener = listener;
      resolve();
    }

    @Override
    public void refresh() {
      resolve();
    }

    private void resolve() {
      executor.execute(
          () -> {
            try {
              List<EquivalentAddressGroup> groups = new ArrayList<>();
              for (InetAddress a : InetAddress.getAllByName(host)) {
                groups.add(new EquivalentAddressGroup(new InetSocketAddress(a, port)));
              }
              listener.onResult(ResolutionResult.newBuilder().setAddresses(groups).build());
            } catch (UnknownHostException e) {
              listener.onError(
                  Status.UNAVAILABLE.withDescription("cannot resolve peer host " + host));
            }
          });
    }

    @Override
    public void shutdown() {}
  }
}
