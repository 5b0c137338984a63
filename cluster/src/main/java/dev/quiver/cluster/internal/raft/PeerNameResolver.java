package dev.quiver.cluster.internal.raft;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
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
 * resolver.
 *
 * <p>A peer restarted in a container or a pod comes back under its name at a new address, and a
 * connection attempt to the vanished old one can hang for a TCP connect timeout (30 s) before gRPC
 * asks the resolver again. So each channel's name is also looked up every {@value #POLL_SECONDS} s
 * while the channel lives, and a changed address set is handed to gRPC at once, which drops the
 * hanging attempt and dials the new address. Thread-safe.
 */
final class PeerNameResolver extends NameResolverProvider {
  static final int POLL_SECONDS = 2;
  private static volatile boolean registered;

  /** A host name's addresses (the system resolver in production). */
  interface Lookup {
    InetAddress[] addresses(String host) throws UnknownHostException;
  }

  private final Lookup lookup;
  private final long pollMillis;

  PeerNameResolver(Lookup lookup, long pollMillis) {
    this.lookup = lookup;
    this.pollMillis = pollMillis;
  }

  static synchronized void register() {
    if (!registered) {
      NameResolverRegistry.getDefaultRegistry()
          .register(new PeerNameResolver(InetAddress::getAllByName, POLL_SECONDS * 1000L));
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
    return new Resolver(
        lookup,
        pollMillis,
        authority,
        host,
        port,
        args.getOffloadExecutor(),
        args.getScheduledExecutorService());
  }

  private static final class Resolver extends NameResolver {
    private final Lookup lookup;
    private final long pollMillis;
    private final String authority;
    private final String host;
    private final int port;
    private final Executor executor;
    private final ScheduledExecutorService scheduler;
    private volatile Listener2 listener;
    private volatile List<InetAddress> last = List.of();
    private volatile ScheduledFuture<?> poll;

    Resolver(
        Lookup lookup,
        long pollMillis,
        String authority,
        String host,
        int port,
        Executor executor,
        ScheduledExecutorService scheduler) {
      this.lookup = lookup;
      this.pollMillis = pollMillis;
      this.authority = authority;
      this.host = host;
      this.port = port;
      this.executor = executor == null ? Runnable::run : executor;
      this.scheduler = scheduler;
    }

    @Override
    public String getServiceAuthority() {
      return authority;
    }

    @Override
    public void start(Listener2 listener) {
      this.listener = listener;
      resolve(true);
      if (scheduler != null) {
        poll =
            scheduler.scheduleWithFixedDelay(
                () -> resolve(false), pollMillis, pollMillis, TimeUnit.MILLISECONDS);
      }
    }

    @Override
    public void refresh() {
      resolve(true);
    }

    /** Looks the name up; reports the result when asked to, or when the addresses changed. */
    private void resolve(boolean always) {
      executor.execute(
          () -> {
            List<InetAddress> found;
            try {
              found = List.of(lookup.addresses(host));
            } catch (UnknownHostException e) {
              if (always) {
                listener.onError(
                    Status.UNAVAILABLE.withDescription("cannot resolve peer host " + host));
              }
              return;
            }
            if (!always && found.equals(last)) {
              return;
            }
            last = found;
            List<EquivalentAddressGroup> groups = new ArrayList<>();
            for (InetAddress a : found) {
              groups.add(new EquivalentAddressGroup(new InetSocketAddress(a, port)));
            }
            listener.onResult(ResolutionResult.newBuilder().setAddresses(groups).build());
          });
    }

    @Override
    public void shutdown() {
      ScheduledFuture<?> p = poll;
      if (p != null) {
        p.cancel(false);
      }
    }
  }
}
