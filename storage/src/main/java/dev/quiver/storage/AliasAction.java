package dev.quiver.storage;

import java.util.Objects;

/**
 * One change of collection aliases; a list of them is applied atomically. Its cases are immutable
 * values.
 */
public sealed interface AliasAction {

  /** Points {@code alias} at {@code collection} (re-points an existing alias). */
  record Create(String alias, String collection) implements AliasAction {
    public Create {
      Objects.requireNonNull(alias, "alias");
      Objects.requireNonNull(collection, "collection");
    }
  }

  record Delete(String alias) implements AliasAction {
    public Delete {
      Objects.requireNonNull(alias, "alias");
    }
  }

  record Rename(String from, String to) implements AliasAction {
    public Rename {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
    }
  }
}
