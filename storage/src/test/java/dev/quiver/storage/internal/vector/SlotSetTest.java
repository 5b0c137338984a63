package dev.quiver.storage.internal.vector;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quiver.testing.TestSeed;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class SlotSetTest {
  /** Random adds and removes across pages agree with a sorted set, in content and in order. */
  @Test
  void behavesAsASortedSetOfSlots() {
    Random r = new Random(TestSeed.of("SlotSetTest.behavesAsASortedSetOfSlots"));
    SlotSet set = new SlotSet();
    TreeSet<Integer> model = new TreeSet<>();
    int range = 3 * SlotSet.PAGE_SLOTS + 17;
    for (int i = 0; i < 20_000; i++) {
      int slot = r.nextInt(10) == 0 ? r.nextInt(130) : r.nextInt(range);
      if (r.nextBoolean()) {
        assertThat(set.add(slot)).isEqualTo(model.add(slot));
      } else {
        assertThat(set.remove(slot)).isEqualTo(model.remove(slot));
      }
    }
    assertThat(set.size()).isEqualTo(model.size());
    List<Integer> walked = new ArrayList<>();
    for (int s = set.next(0); s >= 0; s = set.next(s + 1)) {
      walked.add(s);
    }
    assertThat(walked).containsExactlyElementsOf(model);
    for (int probe = 0; probe < range + 100; probe += 37) {
      Integer expected = model.ceiling(probe);
      assertThat(set.next(probe)).isEqualTo(expected == null ? -1 : expected);
      assertThat(set.contains(probe)).isEqualTo(model.contains(probe));
    }
    assertThat(set.first(5)).containsExactly(model.stream().limit(5).mapToInt(x -> x).toArray());
    assertThat(set.remove(range + 10 * SlotSet.PAGE_SLOTS)).isFalse(); // past every page
    assertThat(set.next(Integer.MAX_VALUE)).isEqualTo(-1);
  }

  @Test
  void anEmptySetHasNothingToWalk() {
    SlotSet set = new SlotSet();
    assertThat(set.isEmpty()).isTrue();
    assertThat(set.next(0)).isEqualTo(-1);
    assertThat(set.first(10)).isEmpty();
    set.add(63);
    set.add(64);
    assertThat(set.first(10)).containsExactly(63, 64);
    assertThat(set.next(64)).isEqualTo(64);
    assertThat(set.next(65)).isEqualTo(-1);
  }
}
