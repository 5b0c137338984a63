package dev.quiver.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;

/**
 * A client that appends points with ids of its own (never written twice) to one collection through
 * random nodes of a cluster, waiting for each write, and remembers the ids acknowledged: after the
 * faults heal, every node must hold every one of them ({@link #missingOn}). Thread-safe.
 */
final class LedgerWriter {
  final Set<Integer> acknowledged = new ConcurrentSkipListSet<>();

  private final String collection;
  private final int nodes;
  private final IntFunction<Rest> rest;
  private final AtomicBoolean stop = new AtomicBoolean();
  private Thread thread;

  LedgerWriter(String collection, int nodes, IntFunction<Rest> rest) {
    this.collection = collection;
    this.nodes = nodes;
    this.rest = rest;
  }

  /** Starts writing batches of 4 points from id {@code firstId} on. */
  LedgerWriter start(int firstId, long seed) {
    thread =
        Thread.ofPlatform()
            .name("ledger-writer")
            .start(
                () -> {
                  Random r = new Random(seed);
                  int next = firstId;
                  for (int round = 0; !stop.get() && round < 100_000; round++) {
                    List<Integer> ids = new ArrayList<>();
                    StringBuilder body = new StringBuilder("{\"points\":[");
                    for (int k = 0; k < 4; k++, next++) {
                      ids.add(next);
                      body.append(k == 0 ? "" : ",")
                          .append("{\"id\":")
                          .append(next)
                          .append(",\"vector\":[0,1]}");
                    }
                    body.append("]}");
                    try {
                      var a =
                          rest.apply(r.nextInt(nodes))
                              .send(
                                  "PUT",
                                  "/collections/" + collection + "/points?wait=true",
                                  body.toString());
                      if (a.status() == 200) {
                        acknowledged.addAll(ids);
                      }
                    } catch (Exception e) {
                      // no answer: the batch may or may not be there
                    }
                  }
                });
    return this;
  }

  void stop() throws InterruptedException {
    stop.set(true);
    thread.join(60_000);
  }

  /** The acknowledged ids {@code node} does not hold (read from its local view). */
  Set<Integer> missingOn(int node) throws Exception {
    Set<Integer> held = new TreeSet<>();
    Object offset = null;
    for (int page = 0; page < 1_000; page++) {
      var a =
          rest.apply(node)
              .send(
                  "POST",
                  "/collections/" + collection + "/points/scroll",
                  "{\"limit\":1000,\"with_payload\":false"
                      + (offset == null ? "" : ",\"offset\":" + offset)
                      + "}");
      if (a.status() != 200) {
        throw new AssertionError("scroll through node " + node + ": " + a.body());
      }
      JsonNode result = a.result();
      result.path("points").forEach(p -> held.add(p.path("id").asInt()));
      JsonNode next = result.path("next_page_offset");
      if (next.isNull() || next.isMissingNode()) {
        break;
      }
      offset = next.asInt();
    }
    Set<Integer> missing = new TreeSet<>(acknowledged);
    missing.removeAll(held);
    return missing;
  }
}
