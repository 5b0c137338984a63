package dev.quiver.storage;

/**
 * Qdrant's rules for collection names. The engine uses the name as a directory name, so it checks
 * them too; the edges check first to answer with a validation error. Stateless (static methods
 * only), so thread-safe.
 */
public final class CollectionNames {
  public static final int MAX_LENGTH = 255;
  private static final String FORBIDDEN = "<>:\"/\\|?*\0\u001f";

  private CollectionNames() {}

  /** The problem with {@code name}, or null when it is a valid collection name. */
  public static String problem(String name) {
    if (name == null || name.isEmpty() || name.length() > MAX_LENGTH) {
      return "length must be from 1 to " + MAX_LENGTH;
    }
    if (name.equals(".") || name.equals("..") || name.startsWith(".")) {
      return "must not start with '.'";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (FORBIDDEN.indexOf(c) >= 0 || Character.isISOControl(c)) {
        return "collection name cannot contain \"" + c + "\" char";
      }
    }
    return null;
  }
}
