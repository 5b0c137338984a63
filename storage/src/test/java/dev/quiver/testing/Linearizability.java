package dev.quiver.testing;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A linearizability checker for client histories over independent keys, each key a register (a
 * point's value: written, deleted, read). Linearizability is compositional, so each key is checked
 * on its own, by Wing and Gong's search with Lowe's memoisation, as Porcupine does it: walk the
 * history's call and return events in time order, linearize a pending operation when the register
 * allows its answer, backtrack at a return whose operation found no place, and never explore the
 * same (linearized set, register value) twice.
 *
 * <p>An operation without an answer (a timeout, a client killed) may have taken effect or not: its
 * return is at infinity, so it may be placed anywhere after its call, including after everything
 * else (no effect seen). A read without an answer says nothing and is dropped. Events at the same
 * instant count as concurrent.
 *
 * <p>Stateless; thread-safe.
 */
public final class Linearizability {
  private Linearizability() {}

  /** What an operation did. */
  public enum Kind {
    /** Set the register to {@code value}. */
    WRITE,
    /** Empty the register. */
    DELETE,
    /** Returned {@code value} (null: empty). */
    READ
  }

  /** No answer: the operation may or may not have taken effect. */
  public static final long NO_ANSWER = Long.MAX_VALUE;

  /**
   * One operation as its client saw it: invoked at {@code call}, answered at {@code ret} ({@link
   * #NO_ANSWER} when it was not), on register {@code key}.
   */
  public record Op(String key, Kind kind, String value, long call, long ret) {
    public Op {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(kind, "kind");
      if (ret < call) {
        throw new IllegalArgumentException("answered before it was invoked: " + call + " " + ret);
      }
    }

    @Override
    public String toString() {
      return String.format(
          Locale.ROOT,
          "%s %s%s [%d, %s]",
          kind,
          key,
          kind == Kind.DELETE ? "" : "=" + value,
          call,
          ret == NO_ANSWER ? "no answer" : Long.toString(ret));
    }
  }

  /** The verdict on a history. */
  public enum Verdict {
    LINEARIZABLE,
    NOT_LINEARIZABLE,
    /** The search ran out of its step budget before deciding. */
    UNKNOWN
  }

  /**
   * A verdict, and for a history that is not linearizable the key whose operations admit no order
   * and the operation no order could place.
   */
  public record Result(Verdict verdict, String key, String explanation) {
    public boolean linearizable() {
      return verdict == Verdict.LINEARIZABLE;
    }
  }

  /**
   * Checks {@code history}; every register starts empty. Gives up with {@link Verdict#UNKNOWN}
   * after {@code maxSteps} search steps over all keys.
   */
  public static Result check(List<Op> history, long maxSteps) {
    Map<String, List<Op>> byKey = new LinkedHashMap<>();
    for (Op op : history) {
      if (op.kind() == Kind.READ && op.ret() == NO_ANSWER) {
        continue; // a read nobody saw the answer of constrains nothing
      }
      byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
    }
    long[] budget = {maxSteps};
    boolean unknown = false;
    for (var e : byKey.entrySet()) {
      Result r = checkKey(e.getKey(), e.getValue(), budget);
      if (r.verdict() == Verdict.NOT_LINEARIZABLE) {
        return r;
      }
      unknown |= r.verdict() == Verdict.UNKNOWN;
    }
    return unknown
        ? new Result(Verdict.UNKNOWN, null, "step budget of " + maxSteps + " spent")
        : new Result(Verdict.LINEARIZABLE, null, null);
  }

  /** A call or return event in the history's doubly linked list. */
  private static final class Entry {
    final int op;
    final boolean call;
    final long time;
    Entry match; // a call's return
    Entry prev;
    Entry next;

    Entry(int op, boolean call, long time) {
      this.op = op;
      this.call = call;
      this.time = time;
    }
  }

  private record Seen(BitSet linearized, String state) {}

  private record Frame(Entry entry, String state) {}

  private static Result checkKey(String key, List<Op> ops, long[] budget) {
    List<Entry> events = new ArrayList<>(2 * ops.size());
    for (int i = 0; i < ops.size(); i++) {
      Entry call = new Entry(i, true, ops.get(i).call());
      Entry ret = new Entry(i, false, ops.get(i).ret());
      call.match = ret;
      events.add(call);
      events.add(ret);
    }
    // by time; at the same instant calls first, so that touching operations count as concurrent
    events.sort(Comparator.comparingLong((Entry e) -> e.time).thenComparing(e -> !e.call));
    Entry head = new Entry(-1, false, Long.MIN_VALUE);
    Entry last = head;
    for (Entry e : events) {
      last.next = e;
      e.prev = last;
      last = e;
    }
    BitSet linearized = new BitSet(ops.size());
    Set<Seen> seen = new HashSet<>();
    Deque<Frame> stack = new ArrayDeque<>();
    String state = null;
    int deepest = 0;
    Op blocking = null;
    Entry entry = head.next;
    while (head.next != null) {
      if (--budget[0] < 0) {
        return new Result(Verdict.UNKNOWN, key, null);
      }
      if (entry.call) {
        Op op = ops.get(entry.op);
        String next = step(state, op);
        boolean legal = op.kind() != Kind.READ || Objects.equals(op.value(), state);
        if (legal) {
          BitSet with = (BitSet) linearized.clone();
          with.set(entry.op);
          if (seen.add(new Seen(with, next))) {
            stack.push(new Frame(entry, state));
            state = next;
            linearized.set(entry.op);
            lift(entry);
            entry = head.next;
            continue;
          }
        }
        entry = entry.next;
      } else {
        // a return whose operation was not placed before it: undo the last placement
        if (stack.size() >= deepest) {
          deepest = stack.size();
          blocking = ops.get(entry.op);
        }
        if (stack.isEmpty()) {
          return new Result(
              Verdict.NOT_LINEARIZABLE,
              key,
              "no order of the "
                  + ops.size()
                  + " operations on "
                  + key
                  + " explains them: after placing "
                  + deepest
                  + ", none places "
                  + blocking);
        }
        Frame f = stack.pop();
        state = f.state();
        linearized.clear(f.entry().op);
        unlift(f.entry());
        entry = f.entry().next;
      }
    }
    return new Result(Verdict.LINEARIZABLE, key, null);
  }

  /** The register after {@code op} (a read leaves it as it is). */
  private static String step(String state, Op op) {
    return switch (op.kind()) {
      case WRITE -> op.value();
      case DELETE -> null;
      case READ -> state;
    };
  }

  /** Takes a call and its return out of the list. */
  private static void lift(Entry call) {
    call.prev.next = call.next;
    if (call.next != null) {
      call.next.prev = call.prev;
    }
    Entry ret = call.match;
    ret.prev.next = ret.next;
    if (ret.next != null) {
      ret.next.prev = ret.prev;
    }
  }

  /** Puts back what {@link #lift} took out, in the reverse order. */
  private static void unlift(Entry call) {
    Entry ret = call.match;
    ret.prev.next = ret;
    if (ret.next != null) {
      ret.next.prev = ret;
    }
    call.prev.next = call;
    if (call.next != null) {
      call.next.prev = call;
    }
  }
}
