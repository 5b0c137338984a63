package dev.quiver.security;

/**
 * The caller is authenticated but may not do this. The message is Qdrant's text without the {@code
 * Forbidden: } prefix, which the edges add (REST 403, gRPC PERMISSION_DENIED). Immutable.
 */
public final class Forbidden extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public Forbidden(String message) {
    super(message, null, false, false);
  }
}
