package dev.quiver.testing;

import static dev.quiver.testing.Linearizability.NO_ANSWER;
import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.testing.Linearizability.Kind;
import dev.quiver.testing.Linearizability.Op;
import dev.quiver.testing.Linearizability.Result;
import dev.quiver.testing.Linearizability.Verdict;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The checker against hand-written histories whose verdict is known (stale reads, lost writes,
 * values coming back, writes without an answer) and against generated ones: histories produced by a
 * linearizable register are accepted whatever their concurrency, and one read changed to what could
 * not have been read is caught.
 */
class LinearizabilityTest {
  private static final long BUDGET = 5_000_000;

  private static Op write(String v, long call, long ret) {
    return new Op("k", Kind.WRITE, v, call, ret);
  }

  private static Op read(String v, long call, long ret) {
    return new Op("k", Kind.READ, v, call, ret);
  }

  private static Verdict verdict(Op... ops) {
    return Linearizability.check(List.of(ops), BUDGET).verdict();
  }

  @Test
  void sequentialAndOverlappingHistories() {
    assertThat(verdict()).isEqualTo(Verdict.LINEARIZABLE);
    assertThat(verdict(write("1", 0, 1), read("1", 2, 3), write("2", 4, 5), read("2", 6, 7)))
        .isEqualTo(Verdict.LINEARIZABLE);
    // a read inside a write's interval may see the value before it or after it
    assertThat(verdict(write("1", 0, 10), read("1", 2, 3))).isEqualTo(Verdict.LINEARIZABLE);
    assertThat(verdict(write("1", 0, 10), read(null, 2, 3))).isEqualTo(Verdict.LINEARIZABLE);
    // two concurrent writes, read in either order afterwards, but the same order by everyone
    assertThat(verdict(write("1", 0, 5), write("2", 1, 6), read("1", 7, 8), read("1", 9, 10)))
        .isEqualTo(Verdict.LINEARIZABLE);
    // events at the same instant are concurrent
    assertThat(verdict(write("1", 0, 5), read("1", 5, 6))).isEqualTo(Verdict.LINEARIZABLE);
    assertThat(verdict(write("1", 0, 5), read(null, 5, 6))).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void staleReadsLostWritesAndValuesComingBackAreCaught() {
    // stale: 1 then 2 acknowledged, a later read sees 1
    assertThat(verdict(write("1", 0, 1), write("2", 2, 3), read("1", 4, 5)))
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
    // lost: 1 acknowledged, a later read finds nothing
    assertThat(verdict(write("1", 0, 1), read(null, 2, 3))).isEqualTo(Verdict.NOT_LINEARIZABLE);
    // deleted, then seen again
    assertThat(verdict(write("1", 0, 1), new Op("k", Kind.DELETE, null, 2, 3), read("1", 4, 5)))
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
    // once 2 is read, 1 (older) cannot come back, though the write of 2 is still running
    assertThat(verdict(write("1", 0, 1), write("2", 2, 10), read("2", 3, 4), read("1", 5, 6)))
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(verdict(write("1", 0, 1), write("2", 2, 10), read("1", 3, 4), read("2", 5, 6)))
        .isEqualTo(Verdict.LINEARIZABLE);
    // a value never written
    assertThat(verdict(write("1", 0, 1), read("7", 2, 3))).isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void writesWithoutAnAnswerMayOrMayNotHaveHappened() {
    assertThat(verdict(write("1", 0, 1), write("2", 2, NO_ANSWER), read("2", 5, 6)))
        .isEqualTo(Verdict.LINEARIZABLE);
    assertThat(verdict(write("1", 0, 1), write("2", 2, NO_ANSWER), read("1", 5, 6)))
        .isEqualTo(Verdict.LINEARIZABLE);
    // but not both ways round: seen, then undone
    assertThat(
            verdict(write("1", 0, 1), write("2", 2, NO_ANSWER), read("2", 5, 6), read("1", 7, 8)))
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
    // nor before it was sent
    assertThat(verdict(read("2", 0, 1), write("2", 2, NO_ANSWER)))
        .isEqualTo(Verdict.NOT_LINEARIZABLE);
    // a read without an answer says nothing
    assertThat(verdict(write("1", 0, 1), read("9", 2, NO_ANSWER))).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void keysAreIndependentAndTheFailingOneIsNamed() {
    List<Op> ops =
        List.of(
            new Op("a", Kind.WRITE, "1", 0, 1),
            new Op("b", Kind.WRITE, "1", 0, 1),
            new Op("a", Kind.READ, "1", 2, 3),
            new Op("b", Kind.READ, null, 2, 3));
    Result r = Linearizability.check(ops, BUDGET);
    assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    assertThat(r.key()).isEqualTo("b");
    assertThat(r.explanation()).contains("READ b=null [2, 3]");
    // the same reads on one key each: fine
    assertThat(
            Linearizability.check(
                    List.of(new Op("a", Kind.WRITE, "1", 0, 1), new Op("b", Kind.READ, null, 2, 3)),
                    BUDGET)
                .linearizable())
        .isTrue();
  }

  /**
   * Clients of a linearizable register (each operation takes effect at an instant inside its
   * interval) produce histories the checker accepts; changing one read to a value nobody wrote
   * makes it refuse.
   */
  @Test
  void generatedHistoriesOfALinearizableRegisterPassAndACorruptedReadIsCaught() {
    long seed =
        TestSeed.of("generatedHistoriesOfALinearizableRegisterPassAndACorruptedReadIsCaught");
    Random r = new Random(seed);
    for (int round = 0; round < 20; round++) {
      List<Op> history = generate(r, 4, 5, 60);
      Result ok = Linearizability.check(history, BUDGET);
      assertThat(ok.verdict())
          .as("round %d: %s", round, ok.explanation())
          .isEqualTo(Verdict.LINEARIZABLE);
      List<Integer> reads = new ArrayList<>();
      for (int i = 0; i < history.size(); i++) {
        if (history.get(i).kind() == Kind.READ && history.get(i).ret() != NO_ANSWER) {
          reads.add(i);
        }
      }
      int victim = reads.get(r.nextInt(reads.size()));
      Op o = history.get(victim);
      List<Op> corrupted = new ArrayList<>(history);
      corrupted.set(victim, new Op(o.key(), Kind.READ, "never-written", o.call(), o.ret()));
      assertThat(Linearizability.check(corrupted, BUDGET).verdict())
          .as("round %d", round)
          .isEqualTo(Verdict.NOT_LINEARIZABLE);
    }
  }

  @Test
  void aSearchPastItsBudgetSaysSo() {
    Random r = new Random(3);
    // many writes all concurrent with each other and with reads: an expensive search
    List<Op> history = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      history.add(write(Integer.toString(i), 0, 1000));
    }
    for (int i = 0; i < 40; i++) {
      history.add(read(Integer.toString(r.nextInt(40)), 10 + i, 11 + i));
    }
    assertThat(Linearizability.check(history, 50).verdict()).isEqualTo(Verdict.UNKNOWN);
  }

  /**
   * {@code clients} clients on {@code keys} registers, {@code perClient} operations each: each
   * operation takes effect at a random instant inside its interval, in that order, on a real
   * register; a few writes lose their answer.
   */
  private static List<Op> generate(Random r, int clients, int keys, int perClient) {
    record Planned(String key, Kind kind, String value, long call, long ret, long at, int id) {}
    List<Planned> planned = new ArrayList<>();
    int id = 0;
    for (int c = 0; c < clients; c++) {
      long t = r.nextInt(5);
      for (int i = 0; i < perClient; i++) {
        long call = t + r.nextInt(3);
        long ret = call + 1 + r.nextInt(20);
        long at = call + r.nextInt((int) (ret - call + 1));
        String key = "k" + r.nextInt(keys);
        int pick = r.nextInt(10);
        Kind kind = pick < 4 ? Kind.WRITE : pick < 5 ? Kind.DELETE : Kind.READ;
        planned.add(
            new Planned(key, kind, kind == Kind.WRITE ? c + "-" + i : null, call, ret, at, id++));
        t = ret + 1; // a client waits for its answer
      }
    }
    // apply in the order of the instants at which they take effect
    List<Planned> byInstant = new ArrayList<>(planned);
    byInstant.sort((a, b) -> a.at() != b.at() ? Long.compare(a.at(), b.at()) : a.id() - b.id());
    Map<String, String> register = new HashMap<>();
    Op[] out = new Op[planned.size()];
    for (Planned p : byInstant) {
      String value =
          switch (p.kind()) {
            case WRITE -> {
              register.put(p.key(), p.value());
              yield p.value();
            }
            case DELETE -> {
              register.remove(p.key());
              yield null;
            }
            case READ -> register.get(p.key());
          };
      boolean lost = p.kind() != Kind.READ && r.nextInt(20) == 0;
      out[p.id()] = new Op(p.key(), p.kind(), value, p.call(), lost ? NO_ANSWER : p.ret());
    }
    return List.of(out);
  }
}
