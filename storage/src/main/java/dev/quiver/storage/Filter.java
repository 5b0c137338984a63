package dev.quiver.storage;

import java.util.List;

/**
 * Qdrant's filter: every {@code must} condition holds, no {@code mustNot} condition holds, at least
 * one {@code should} condition holds (when there are any), and at least {@code minShould.minCount}
 * of {@code minShould.conditions} hold. Immutable.
 */
public record Filter(
    List<Condition> must, List<Condition> should, List<Condition> mustNot, MinShould minShould) {

  public Filter {
    must = List.copyOf(must);
    should = List.copyOf(should);
    mustNot = List.copyOf(mustNot);
  }

  /** The points whose payload has a (non-empty) value at {@code key}. */
  public static Filter hasValue(String key) {
    return new Filter(List.of(), List.of(), List.of(new Condition.IsEmpty(key)), null);
  }

  /** At least {@code minCount} of {@code conditions}. */
  public record MinShould(List<Condition> conditions, int minCount) {
    public MinShould {
      conditions = List.copyOf(conditions);
    }
  }

  public boolean isEmpty() {
    return must.isEmpty() && should.isEmpty() && mustNot.isEmpty() && minShould == null;
  }
}
