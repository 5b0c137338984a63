package dev.quiver.storage.internal.payload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.storage.PointId;
import dev.quiver.storage.internal.payload.PayloadIndexes.Candidates;
import dev.quiver.testing.TestSeed;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Postings in files with their changes on the heap answer every lookup as postings on the heap do,
 * through adds, removes and merges at every point of the cycle; the heap holds no more than the
 * changes since the last merge; a lookup begun before a merge reads its old file to the end.
 */
class MappedTermPostingsTest {
  @TempDir Path dir;

  private static final String[] WORDS = {"", "a", "ab", "abc", "abd", "b", "ba", "é", "éa", "東京"};

  private static PointId id(Random r) {
    return r.nextInt(4) == 0 ? PointId.of(new UUID(r.nextLong(), r.nextInt(30))) : randomNum(r);
  }

  private static PointId randomNum(Random r) {
    // small numbers and numbers whose sign bit is set (unsigned above 2^63)
    return PointId.of(r.nextBoolean() ? r.nextInt(300) : Long.MIN_VALUE + r.nextInt(30));
  }

  /** What a field's terms are: numbers, words (both ordered), or words and booleans (hashed). */
  private enum Terms {
    NUMBERS,
    WORDS,
    MIXED
  }

  private static Object term(Random r, Terms kind) {
    if (kind == Terms.NUMBERS) {
      return switch (r.nextInt(4)) {
        case 0 -> (double) (r.nextInt(40) - 20);
        case 1 -> r.nextInt(40) - 20 + 0.5;
        case 2 -> r.nextBoolean() ? -0.0 : 0.0;
        default -> r.nextBoolean() ? Double.MAX_VALUE : -Double.MAX_VALUE;
      };
    }
    return kind == Terms.MIXED && r.nextInt(4) == 0
        ? (Object) r.nextBoolean()
        : WORDS[r.nextInt(WORDS.length)];
  }

  private static Set<Object> terms(Random r, Terms numbers) {
    Set<Object> out = new HashSet<>();
    int n = r.nextInt(4);
    for (int i = 0; i < n; i++) {
      out.add(term(r, numbers));
    }
    return out;
  }

  private static Set<PointId> each(Candidates c) {
    Set<PointId> out = new HashSet<>();
    c.forEach(out::add);
    return out;
  }

  private static void same(Candidates disk, Candidates heap, Random r, String what) {
    Set<PointId> expected = heap.ids();
    assertThat(disk.ids()).as(what).isEqualTo(expected);
    assertThat(each(disk)).as(what).isEqualTo(expected);
    assertThat(disk.estimate()).as(what).isGreaterThanOrEqualTo(expected.size());
    for (int i = 0; i < 20; i++) {
      PointId probe = id(r);
      assertThat(disk.contains(probe))
          .as(what + " contains " + probe)
          .isEqualTo(expected.contains(probe));
    }
    for (PointId p : expected) {
      assertThat(disk.contains(p)).as(what + " contains " + p).isTrue();
    }
  }

  private void compare(Terms numbers, int mergeAfter, long seed) throws IOException {
    Random r = new Random(seed);
    boolean ordered = numbers != Terms.MIXED;
    Path home = dir.resolve(numbers + "-" + mergeAfter);
    HeapTermPostings heap = new HeapTermPostings(ordered);
    MappedTermPostings disk = new MappedTermPostings(home, ordered, mergeAfter);
    Map<PointId, Set<Object>> held = new HashMap<>();
    for (int step = 0; step < 3_000; step++) {
      PointId p = id(r);
      Set<Object> before = held.getOrDefault(p, Set.of());
      Set<Object> after = r.nextInt(5) == 0 ? Set.of() : terms(r, numbers);
      heap.remove(p, before);
      disk.remove(p, before);
      heap.add(p, after);
      disk.add(p, after);
      held.put(p, after);
      assertThat(disk.heapPostings()).isLessThanOrEqualTo(mergeAfter + 3L);
      if (step % 25 != 0) {
        continue;
      }
      Object t = term(r, numbers);
      same(disk.get(t), heap.get(t), r, "step " + step + " term " + t);
      if (numbers == Terms.NUMBERS) {
        Double lo = r.nextInt(6) == 0 ? null : (Double) term(r, numbers);
        Double hi = r.nextInt(6) == 0 ? null : (Double) term(r, numbers);
        boolean loIn = r.nextBoolean();
        boolean hiIn = r.nextBoolean();
        if (lo == null || hi == null || lo.compareTo(hi) <= 0) {
          same(
              disk.between(lo, loIn, hi, hiIn),
              heap.between(lo, loIn, hi, hiIn),
              r,
              "step " + step + " range " + lo + (loIn ? "]" : ")") + " " + hi + (hiIn ? "]" : ")"));
        }
      } else if (numbers == Terms.WORDS) {
        String prefix = WORDS[r.nextInt(WORDS.length)];
        if (prefix.length() > 1) {
          prefix = prefix.substring(0, 1);
        }
        same(disk.prefixed(prefix), heap.prefixed(prefix), r, "step " + step + " prefix " + prefix);
      }
    }
    try (Stream<Path> files = Files.list(home)) {
      assertThat(files.count()).as("one file: each merge deletes the one before").isEqualTo(1);
    }
    disk.drop();
    assertThat(home).doesNotExist();
  }

  @Test
  void answersAsThePostingsOnTheHeapThroughMerges() throws IOException {
    long seed = TestSeed.of("answersAsThePostingsOnTheHeapThroughMerges");
    for (int mergeAfter : List.of(1, 7, 64)) {
      for (Terms kind : Terms.values()) {
        compare(kind, mergeAfter, seed);
      }
    }
  }

  @Test
  void aLookupBegunBeforeAMergeReadsItsFileAfterTheMergeDeletedIt() throws IOException {
    Path home = dir.resolve("m");
    MappedTermPostings disk = new MappedTermPostings(home, false, 4);
    for (int i = 0; i < 4; i++) {
      disk.add(PointId.of(i), Set.of("k")); // the fourth change merges: the first file
    }
    Candidates before = disk.get("k");
    for (int i = 10; i < 14; i++) {
      disk.add(PointId.of(i), Set.of("k")); // merged again: the second file, the first deleted
    }
    try (Stream<Path> files = Files.list(home)) {
      assertThat(files.map(f -> f.getFileName().toString()).toList())
          .containsExactly("postings-00001.qpi");
    }
    assertThat(before.ids())
        .containsExactlyInAnyOrder(PointId.of(0), PointId.of(1), PointId.of(2), PointId.of(3));
    assertThat(before.contains(PointId.of(2))).isTrue();
    assertThat(disk.get("k").estimate()).isEqualTo(8);
    assertThat(disk.heapPostings()).isZero();
  }
}
