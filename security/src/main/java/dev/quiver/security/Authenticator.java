package dev.quiver.security;

import dev.quiver.security.internal.KeyAndJwtAuthenticator;
import java.time.Clock;

/**
 * Turns presented credentials into a {@link Principal}: the full and alternative API keys give
 * manage access, the read-only key global read, and (with {@code jwt_rbac}) an HS256 JWT signed
 * with either full key gives what its claims say. Thread-safe.
 */
public interface Authenticator {

  /**
   * @throws AuthenticationFailed when credentials are required and missing or not accepted
   */
  Principal authenticate(Credentials credentials);

  /** The authenticator for these settings; logs (without the keys) what is in force. */
  static Authenticator of(AuthSettings settings) {
    return of(settings, Clock.systemUTC());
  }

  /** The same, with the clock tokens expire by. */
  static Authenticator of(AuthSettings settings, Clock clock) {
    return new KeyAndJwtAuthenticator(settings, clock);
  }
}
