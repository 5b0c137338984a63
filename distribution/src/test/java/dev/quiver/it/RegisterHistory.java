package dev.quiver.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.quiver.testing.Linearizability;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;

/**
 * Concurrent clients that write, delete and read (with {@code consistency=majority}) four points of
 * one collection through the nodes of a cluster, each point a register holding the payload value
 * {@code v}, and record every operation between its call and its answer for {@link
 * Linearizability}: an operation without an answer (refused, reset, timed out) may or may not have
 * happened. A client picks its node at random among those not {@link #down}. Thread-safe.
 */
final class RegisterHistory {
  /** The number of registers: points {@code firstPoint .. firstPoint + POINTS - 1}. */
  static final int POINTS = 4;

  final List<Linearizability.Op> ops = new CopyOnWriteArrayList<>();

  /** The node each of {@link #ops} went through (same order). */
  private final List<Integer> via = new CopyOnWriteArrayList<>();

  /** Nodes the clients leave alone (killed, or being restarted). */
  final Set<Integer> down = new ConcurrentSkipListSet<>();

  private final String collection;
  private final int firstPoint;
  private final int nodes;
  private final IntFunction<Rest> rest;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final List<Thread> clients = new ArrayList<>();

  /**
   * @param firstPoint the first register's point id: each history needs registers never written
   *     before (the checker starts from empty ones, and a write a client gave up on in an earlier
   *     history may still land later)
   */
  RegisterHistory(String collection, int firstPoint, int nodes, IntFunction<Rest> rest) {
    this.collection = collection;
    this.firstPoint = firstPoint;
    this.nodes = nodes;
    this.rest = rest;
  }

  /** Starts {@code count} clients, client {@code c} seeded with {@code seed + c}. */
  RegisterHistory start(int count, long seed) {
    for (int c = 0; c < count; c++) {
      int client = c;
      clients.add(
          Thread.ofPlatform()
              .name("register-client-" + c)
              .start(
                  () -> {
                    Random r = new Random(seed + client);
                    for (int seq = 0; !stop.get() && seq < 100_000; seq++) {
                      int node = r.nextInt(nodes);
                      if (down.contains(node)) {
                        continue;
                      }
                      Linearizability.Op op = operation(node, client, seq, r);
                      synchronized (ops) {
                        ops.add(op);
                        via.add(node);
                      }
                    }
                  }));
    }
    return this;
  }

  /** Stops the clients and waits for their last operations (each bounded by its timeout). */
  void stop() throws InterruptedException {
    stop.set(true);
    for (Thread t : clients) {
      t.join(60_000);
    }
  }

  long count(Linearizability.Kind kind) {
    return ops.stream().filter(o -> o.kind() == kind).count();
  }

  /** Operations answered after {@code since} ({@link System#nanoTime()}). */
  long answeredAfter(long since) {
    return ops.stream()
        .filter(o -> o.call() > since && o.ret() != Linearizability.NO_ANSWER)
        .count();
  }

  /**
   * Writes and deletes through {@code node} called in {@code [from, to)} and answered before {@code
   * to}: a node cut off from the majority must acknowledge none (else two sides both accept
   * writes).
   */
  long acknowledgedVia(int node, long from, long to) {
    long n = 0;
    synchronized (ops) {
      for (int i = 0; i < ops.size(); i++) {
        Linearizability.Op o = ops.get(i);
        if (via.get(i) == node
            && o.kind() != Linearizability.Kind.READ
            && o.call() >= from
            && o.ret() != Linearizability.NO_ANSWER
            && o.ret() < to) {
          n++;
        }
      }
    }
    return n;
  }

  /**
   * How long (ns) after {@code since} the first operation of {@code kind} called after it through a
   * node other than {@code excluded} was answered; -1 if none was.
   */
  long firstAnsweredAfter(long since, Linearizability.Kind kind, int excluded) {
    long first = Long.MAX_VALUE;
    synchronized (ops) {
      for (int i = 0; i < ops.size(); i++) {
        Linearizability.Op o = ops.get(i);
        if (via.get(i) != excluded
            && o.kind() == kind
            && o.call() >= since
            && o.ret() != Linearizability.NO_ANSWER) {
          first = Math.min(first, o.ret());
        }
      }
    }
    return first == Long.MAX_VALUE ? -1 : first - since;
  }

  /**
   * The operations on {@code key} in call order, one per line, with call and answer in ms after
   * {@code since} and the node each went through: what a failed verdict needs to be read.
   */
  private String trace(String key, long since) {
    var out = new StringBuilder();
    synchronized (ops) {
      List<Integer> order = new ArrayList<>();
      for (int i = 0; i < ops.size(); i++) {
        if (ops.get(i).key().equals(key)) {
          order.add(i);
        }
      }
      order.sort((a, b) -> Long.compare(ops.get(a).call(), ops.get(b).call()));
      for (int i : order) {
        Linearizability.Op o = ops.get(i);
        out.append(
            String.format(
                Locale.ROOT,
                "%n  %-6s %-8s via %d  %8.1f .. %s",
                o.kind(),
                o.value(),
                via.get(i),
                (o.call() - since) / 1e6,
                o.ret() == Linearizability.NO_ANSWER
                    ? "no answer"
                    : String.format(Locale.ROOT, "%.1f ms", (o.ret() - since) / 1e6)));
      }
    }
    return out.toString();
  }

  /**
   * The verdict's explanation, with the trace of the key it failed on (times after {@code since}).
   */
  String explain(Linearizability.Result verdict, long since) {
    return verdict.key() == null
        ? verdict.explanation()
        : verdict.explanation()
            + "; the operations on "
            + verdict.key()
            + " (kind, value, node, called .. answered, ms):"
            + trace(verdict.key(), since);
  }

  Linearizability.Result check() {
    return Linearizability.check(ops, 50_000_000);
  }

  /** One line for the test's output: sizes, the verdict, the longest pauses after {@code since}. */
  String summary(long since, Linearizability.Result verdict) {
    return String.format(
        Locale.ROOT,
        "history: %d operations, %d reads, %d without an answer, %d answered after the fault: %s;"
            + " longest stretch after the fault without an answered write %.1f s, read %.1f s",
        ops.size(),
        count(Linearizability.Kind.READ),
        ops.stream().filter(o -> o.ret() == Linearizability.NO_ANSWER).count(),
        answeredAfter(since),
        verdict.verdict(),
        longestSilence(since, Linearizability.Kind.WRITE) / 1e9,
        longestSilence(since, Linearizability.Kind.READ) / 1e9);
  }

  /**
   * The longest time (ns) from {@code since} on without an answered operation of {@code kind}: how
   * long clients went without one after a fault (reported, not asserted: timings vary).
   */
  long longestSilence(long since, Linearizability.Kind kind) {
    long last = since;
    long longest = 0;
    for (long ret :
        ops.stream()
            .filter(o -> o.kind() == kind && o.ret() != Linearizability.NO_ANSWER)
            .filter(o -> o.ret() > since)
            .mapToLong(Linearizability.Op::ret)
            .sorted()
            .toArray()) {
      longest = Math.max(longest, ret - last);
      last = ret;
    }
    return longest;
  }

  /**
   * One client operation on one of the points through {@code node}: a write of a value of the
   * client's own, a delete, or a majority read; with its call and answer instants.
   */
  private Linearizability.Op operation(int node, int client, int seq, Random r) {
    int point = firstPoint + r.nextInt(POINTS);
    String key = Integer.toString(point);
    int pick = r.nextInt(10);
    Linearizability.Kind kind =
        pick < 4
            ? Linearizability.Kind.WRITE
            : pick < 5 ? Linearizability.Kind.DELETE : Linearizability.Kind.READ;
    String written = kind == Linearizability.Kind.WRITE ? client + "-" + seq : null;
    long call = System.nanoTime();
    String path = "/collections/" + collection + "/points";
    try {
      Rest.Answer a =
          switch (kind) {
            case WRITE ->
                rest.apply(node)
                    .send(
                        "PUT",
                        path + "?wait=true",
                        "{\"points\":[{\"id\":"
                            + point
                            + ",\"vector\":[1,0],\"payload\":{\"v\":\""
                            + written
                            + "\"}}]}");
            case DELETE ->
                rest.apply(node)
                    .send("POST", path + "/delete?wait=true", "{\"points\":[" + point + "]}");
            case READ ->
                rest.apply(node)
                    .send(
                        "POST",
                        path + "?consistency=majority",
                        "{\"ids\":[" + point + "],\"with_payload\":true}");
          };
      if (a.status() != 200) {
        return answered(key, kind, written, call, false);
      }
      if (kind != Linearizability.Kind.READ) {
        return answered(key, kind, written, call, true);
      }
      JsonNode found = a.json().path("result");
      String value = found.isEmpty() ? null : found.get(0).path("payload").path("v").asText();
      return answered(key, kind, value, call, true);
    } catch (Exception e) {
      // refused, reset or timed out: no answer, so a write may or may not have happened
      return answered(key, kind, written, call, false);
    }
  }

  private static Linearizability.Op answered(
      String key, Linearizability.Kind kind, String value, long call, boolean answered) {
    return new Linearizability.Op(
        key, kind, value, call, answered ? System.nanoTime() : Linearizability.NO_ANSWER);
  }
}
