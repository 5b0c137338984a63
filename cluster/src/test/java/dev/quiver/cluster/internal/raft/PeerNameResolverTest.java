package dev.quiver.cluster.internal.raft;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.ratis.thirdparty.io.grpc.NameResolver;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.SynchronizationContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A peer that comes back under its name at another address (a restarted container or pod) is
 * dialled at the new one without waiting for gRPC to give up on the old one.
 */
class PeerNameResolverTest {
  private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor();
  private final AtomicReference<String> answer = new AtomicReference<>("10.0.0.1");
  private final BlockingQueue<List<InetSocketAddress>> results = new LinkedBlockingQueue<>();
  private final BlockingQueue<Status> errors = new LinkedBlockingQueue<>();

  @AfterEach
  void stop() {
    timers.shutdownNow();
  }

  private NameResolver start(String target) {
    PeerNameResolver.Lookup lookup =
        host -> {
          String ip = answer.get();
          if (ip == null) {
            throw new UnknownHostException(host);
          }
          return new InetAddress[] {InetAddress.getByName(ip)};
        };
    NameResolver r =
        new PeerNameResolver(lookup, 20)
            .newNameResolver(
                URI.create(target),
                NameResolver.Args.newBuilder()
                    .setDefaultPort(6335)
                    .setProxyDetector(a -> null)
                    .setSynchronizationContext(
                        new SynchronizationContext(
                            (t, e) -> {
                              throw new AssertionError(e);
                            }))
                    .setServiceConfigParser(
                        new NameResolver.ServiceConfigParser() {
                          @Override
                          public NameResolver.ConfigOrError parseServiceConfig(
                              Map<String, ?> rawServiceConfig) {
                            return NameResolver.ConfigOrError.fromConfig(new Object());
                          }
                        })
                    .setScheduledExecutorService(timers)
                    .setOffloadExecutor(Runnable::run)
                    .build());
    r.start(
        new NameResolver.Listener2() {
          @Override
          public void onResult(NameResolver.ResolutionResult result) {
            results.add(
                result.getAddressesOrError().getValue().stream()
                    .map(g -> (InetSocketAddress) g.getAddresses().getFirst())
                    .toList());
          }

          @Override
          public void onError(Status error) {
            errors.add(error);
          }
        });
    return r;
  }

  @Test
  void aChangedAddressIsReportedWithoutBeingAskedAndAnUnchangedOneIsNot() throws Exception {
    NameResolver r = start("dns:///qdrant_node_2:6335");
    assertThat(results.poll(5, TimeUnit.SECONDS))
        .containsExactly(new InetSocketAddress(InetAddress.getByName("10.0.0.1"), 6335));
    // several polls later, nothing new: the same address is not reported again
    assertThat(results.poll(200, TimeUnit.MILLISECONDS)).isNull();
    // the peer went away: a poll that finds no address reports nothing (gRPC keeps dialling)
    answer.set(null);
    assertThat(results.poll(200, TimeUnit.MILLISECONDS)).isNull();
    assertThat(errors).isEmpty();
    // and came back elsewhere: reported by the next poll
    answer.set("10.0.0.7");
    assertThat(results.poll(5, TimeUnit.SECONDS))
        .containsExactly(new InetSocketAddress(InetAddress.getByName("10.0.0.7"), 6335));
    r.shutdown();
    answer.set("10.0.0.9");
    assertThat(results.poll(200, TimeUnit.MILLISECONDS)).as("no polls after shutdown").isNull();
  }

  @Test
  void aRefreshThatCannotResolveReportsAnError() throws Exception {
    answer.set(null);
    NameResolver r = start("dns:///qdrant_node_3:6335");
    assertThat(errors.poll(5, TimeUnit.SECONDS).getDescription())
        .isEqualTo("cannot resolve peer host qdrant_node_3");
    answer.set("10.0.0.3");
    r.refresh();
    assertThat(results.poll(5, TimeUnit.SECONDS))
        .containsExactly(new InetSocketAddress(InetAddress.getByName("10.0.0.3"), 6335));
    r.shutdown();
  }
}
