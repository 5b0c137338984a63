package dev.quiver.security.internal;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTDecodeException;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import dev.quiver.security.Access;
import dev.quiver.security.AuthSettings;
import dev.quiver.security.AuthenticationFailed;
import dev.quiver.security.Authenticator;
import dev.quiver.security.Credentials;
import dev.quiver.security.Principal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * API keys compared in constant time, then HS256 JWTs verified with {@code com.auth0:java-jwt}
 * (which accepts Qdrant's short keys as HMAC secrets) against the full key and the alternative key.
 * Verified tokens are cached, at most {@value #CACHE_SIZE}, each no longer than its {@code exp}
 * plus the leeway. Thread-safe.
 */
public final class KeyAndJwtAuthenticator implements Authenticator {
  private static final Logger LOG = LogManager.getLogger(KeyAndJwtAuthenticator.class);
  static final long LEEWAY_SECONDS = 30;
  private static final int CACHE_SIZE = 10_000;
  private static final Duration MAX_CACHED = Duration.ofMinutes(10);

  private record Cached(Principal principal, long expiresAtMillis) {}

  private final AuthSettings settings;
  private final byte[] apiKey;
  private final byte[] altApiKey;
  private final byte[] readOnlyKey;
  private final List<JWTVerifier> verifiers = new ArrayList<>();
  private final Cache<String, Cached> tokens;
  private final Clock clock;

  /**
   * @param clock the time tokens expire by (the verification of {@code exp}, and the cache)
   */
  public KeyAndJwtAuthenticator(AuthSettings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.apiKey = bytes(settings.apiKey());
    this.altApiKey = bytes(settings.altApiKey());
    this.readOnlyKey = bytes(settings.readOnlyApiKey());
    if (settings.jwtRbac()) {
      for (String secret : new String[] {settings.apiKey(), settings.altApiKey()}) {
        if (secret != null) {
          if (secret.getBytes(StandardCharsets.UTF_8).length < 32) {
            LOG.warn(
                "a key used as JWT secret is shorter than 32 bytes; use at least 32 random bytes");
          }
          verifiers.add(
              ((JWTVerifier.BaseVerification)
                      JWT.require(Algorithm.HMAC256(secret)).acceptLeeway(LEEWAY_SECONDS))
                  .build(clock));
        }
      }
      if (verifiers.isEmpty()) {
        LOG.warn(
            "service.jwt_rbac is on but neither api_key nor alt_api_key is set: JWTs are not accepted");
      }
    }
    this.tokens =
        Caffeine.newBuilder()
            .ticker(() -> clock.millis() * 1_000_000L)
            .maximumSize(CACHE_SIZE)
            .expireAfter(
                Expiry.<String, Cached>creating(
                    (token, c) -> {
                      long left = c.expiresAtMillis() - clock.millis();
                      return Duration.ofMillis(Math.max(0, Math.min(left, MAX_CACHED.toMillis())));
                    }))
            .build();
    LOG.info(
        "authentication {}{}",
        settings.enabled() ? "on" : "off (no API key configured: every request has full access)",
        settings.enabled() && !verifiers.isEmpty() ? ", JWT RBAC on" : "");
  }

  private static byte[] bytes(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public Principal authenticate(Credentials credentials) {
    if (!settings.enabled()) {
      return Principal.ANONYMOUS;
    }
    String secret = credentials.secret();
    if (secret == null) {
      throw AuthenticationFailed.missing();
    }
    byte[] presented = secret.getBytes(StandardCharsets.UTF_8);
    if (equal(presented, apiKey) || equal(presented, altApiKey)) {
      return new Principal(Principal.AuthType.ApiKey, null, Access.MANAGE, null);
    }
    if (equal(presented, readOnlyKey)) {
      return new Principal(Principal.AuthType.ApiKey, null, Access.READ, null);
    }
    if (verifiers.isEmpty()) {
      throw AuthenticationFailed.invalid();
    }
    Cached cached = tokens.getIfPresent(secret);
    if (cached != null && cached.expiresAtMillis() > clock.millis()) {
      return cached.principal();
    }
    Principal p = verify(secret);
    return p;
  }

  private Principal verify(String token) {
    DecodedJWT decoded;
    try {
      decoded = JWT.decode(token);
    } catch (JWTDecodeException e) {
      throw AuthenticationFailed.invalid();
    }
    String alg = decoded.getAlgorithm();
    if (alg == null || alg.equalsIgnoreCase("none")) {
      throw AuthenticationFailed.invalid();
    }
    if (!alg.equals("HS256")) {
      throw new AuthenticationFailed("InvalidAlgorithm", true);
    }
    DecodedJWT verified = null;
    for (JWTVerifier v : verifiers) {
      try {
        verified = v.verify(decoded);
        break;
      } catch (SignatureVerificationException e) {
        // try the other key
      } catch (TokenExpiredException e) {
        throw new AuthenticationFailed("ExpiredSignature", true);
      } catch (JWTVerificationException e) {
        throw new AuthenticationFailed("InvalidToken", true);
      }
    }
    if (verified == null) {
      throw new AuthenticationFailed("InvalidSignature", true);
    }
    Principal principal = Claims.principal(verified);
    long expires =
        verified.getExpiresAtAsInstant() == null
            ? Long.MAX_VALUE
            : verified.getExpiresAtAsInstant().toEpochMilli() + LEEWAY_SECONDS * 1000;
    tokens.put(token, new Cached(principal, expires));
    return principal;
  }

  private static boolean equal(byte[] presented, byte[] key) {
    return key != null && MessageDigest.isEqual(presented, key);
  }
}
