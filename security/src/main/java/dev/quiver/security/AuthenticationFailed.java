package dev.quiver.security;

/**
 * Credentials are missing or not accepted. Edges answer with a plain-text body: REST 401 (or 403
 * for a JWT with a bad signature or past its expiry, as Qdrant does), gRPC UNAUTHENTICATED or
 * PERMISSION_DENIED. The message never contains the presented credential. Immutable.
 */
public final class AuthenticationFailed extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean forbidden;

  public AuthenticationFailed(String message, boolean forbidden) {
    super(message, null, false, false);
    this.forbidden = forbidden;
  }

  /** True for 403 / PERMISSION_DENIED, false for 401 / UNAUTHENTICATED. */
  public boolean forbidden() {
    return forbidden;
  }

  public static AuthenticationFailed missing() {
    return new AuthenticationFailed(
        "Must provide an API key or an Authorization bearer token", false);
  }

  public static AuthenticationFailed invalid() {
    return new AuthenticationFailed("Invalid API key or JWT", false);
  }
}
