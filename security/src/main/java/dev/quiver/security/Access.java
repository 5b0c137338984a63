package dev.quiver.security;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * What an authenticated caller may do: global read, global manage, or a set of collections each
 * with a mode. Immutable and thread-safe.
 */
public sealed interface Access {

  /** Full access: the read-write API key, a JWT with {@code "m"} or without {@code access}. */
  Access MANAGE = new Global(true);

  /** Global read: the read-only key, or a JWT with {@code "r"}. */
  Access READ = new Global(false);

  /** Global access, read-only or manage. */
  record Global(boolean manage) implements Access {}

  /** Per-collection access, from a JWT's {@code access} list. */
  record Collections(Map<String, Mode> modes) implements Access {
    public Collections {
      modes = Map.copyOf(modes);
    }
  }

  /** A per-collection mode. */
  enum Mode {
    /** Reads. */
    R,
    /** Reads, point writes and extras. */
    RW,
    /** Reads and point writes, no extras. */
    PRW
  }

  /**
   * Checks {@code requirement} for the collection {@code collection} (null for global operations).
   *
   * @throws Forbidden with Qdrant's message when the access does not suffice
   */
  default void check(Requirement requirement, String collection) {
    Objects.requireNonNull(requirement, "requirement");
    switch (this) {
      case Global g -> {
        boolean readOnly =
            requirement == Requirement.OPEN
                || requirement == Requirement.ANY
                || requirement == Requirement.GLOBAL_READ
                || requirement == Requirement.COLLECTION_READ
                || requirement == Requirement.COLLECTION_READ_EXTRAS;
        if (!g.manage() && !readOnly) {
          throw new Forbidden("Global manage access is required");
        }
      }
      case Collections c -> {
        switch (requirement) {
          case OPEN, ANY -> {}
          case GLOBAL_READ, GLOBAL_MANAGE -> throw new Forbidden("Global access is required");
          case COLLECTION_MANAGE ->
              throw new Forbidden("Manage access for this operation is required");
          default -> {
            Mode mode = collection == null ? null : c.modes().get(collection);
            if (mode == null) {
              throw new Forbidden("Access to collection " + collection + " is required");
            }
            checkMode(requirement, collection, mode);
          }
        }
      }
    }
  }

  private static void checkMode(Requirement requirement, String collection, Mode mode) {
    switch (requirement) {
      case COLLECTION_WRITE -> {
        if (mode == Mode.R) {
          throw new Forbidden("Write access to collection " + collection + " is required");
        }
      }
      case COLLECTION_EXTRAS -> {
        if (mode == Mode.R) {
          throw new Forbidden("Write access to collection " + collection + " is required");
        }
        if (mode == Mode.PRW) {
          throw new Forbidden("Only points access is allowed for collection " + collection);
        }
      }
      case COLLECTION_READ_EXTRAS -> {
        if (mode == Mode.PRW) {
          throw new Forbidden("Only points access is allowed for collection " + collection);
        }
      }
      default -> {}
    }
  }

  /**
   * Checks read access to collections a request refers to besides its own ({@code lookup_from}).
   */
  default void checkReadAll(List<String> collections) {
    for (String c : collections) {
      check(Requirement.COLLECTION_READ, c);
    }
  }

  /** Whether a collection shows up in lists ({@code GET /collections}, aliases). */
  default Predicate<String> visible() {
    return switch (this) {
      case Global g -> name -> true;
      case Collections c -> c.modes()::containsKey;
    };
  }
}
