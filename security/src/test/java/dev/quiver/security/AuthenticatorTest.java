package dev.quiver.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AuthenticatorTest {
  static final String KEY = "short-key";
  static final String ALT = "alternative-key-for-rotation";
  static final String RO = "read-only-key";
  private final Authenticator auth = Authenticator.of(new AuthSettings(KEY, ALT, RO, true));

  private Principal with(String apiKey) {
    return auth.authenticate(new Credentials(apiKey, null));
  }

  private Principal bearer(String token) {
    return auth.authenticate(new Credentials(null, "Bearer " + token));
  }

  private static String jwt(String secret, String payloadJson) {
    var b64 = Base64.getUrlEncoder().withoutPadding();
    String header =
        b64.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
    String body = b64.encodeToString(payloadJson.getBytes(StandardCharsets.UTF_8));
    String signingInput = header + "." + body;
    byte[] sig = Algorithm.HMAC256(secret).sign(signingInput.getBytes(StandardCharsets.UTF_8));
    return signingInput + "." + b64.encodeToString(sig);
  }

  private static AuthenticationFailed failure(Runnable r) {
    try {
      r.run();
    } catch (AuthenticationFailed e) {
      return e;
    }
    throw new AssertionError("expected AuthenticationFailed");
  }

  @Test
  void noKeysMeansEveryoneManages() {
    var open = Authenticator.of(new AuthSettings(null, "", null, true));
    assertThat(open.authenticate(Credentials.NONE)).isEqualTo(Principal.ANONYMOUS);
  }

  @Test
  void apiKeysInEitherHeader() {
    assertThat(with(KEY).access()).isEqualTo(Access.MANAGE);
    assertThat(with(ALT).access()).isEqualTo(Access.MANAGE);
    assertThat(with(RO).access()).isEqualTo(Access.READ);
    assertThat(bearer(KEY).access()).isEqualTo(Access.MANAGE);
    assertThat(auth.authenticate(new Credentials(RO, "Bearer " + KEY)).access())
        .as("api-key wins")
        .isEqualTo(Access.READ);
    assertThat(failure(() -> auth.authenticate(Credentials.NONE)).getMessage())
        .isEqualTo("Must provide an API key or an Authorization bearer token");
    assertThat(
            failure(() -> auth.authenticate(new Credentials(null, "bearer " + KEY))).getMessage())
        .as("the Bearer prefix is case-sensitive")
        .isEqualTo("Must provide an API key or an Authorization bearer token");
    var wrong = failure(() -> with(KEY + "x"));
    assertThat(wrong.getMessage()).isEqualTo("Invalid API key or JWT");
    assertThat(wrong.forbidden()).isFalse();
  }

  @Test
  void jwtAccessClaims() {
    assertThat(bearer(jwt(KEY, "{\"access\":\"r\"}")).access()).isEqualTo(Access.READ);
    assertThat(bearer(jwt(KEY, "{\"access\":\"m\"}")).access()).isEqualTo(Access.MANAGE);
    assertThat(bearer(jwt(KEY, "{}")).access())
        .as("no access claim: manage")
        .isEqualTo(Access.MANAGE);
    assertThat(bearer(jwt(ALT, "{\"access\":\"r\"}")).access())
        .as("signed with the alt key")
        .isEqualTo(Access.READ);
    Principal p =
        bearer(
            jwt(
                KEY,
                "{\"subject\":\"alice\",\"access\":[{\"collection\":\"a\",\"access\":\"r\"},{\"collection\":\"b\",\"access\":\"prw\"}]}"));
    assertThat(p.authType()).isEqualTo(Principal.AuthType.Jwt);
    assertThat(p.subject()).isEqualTo("alice");
    assertThat(p.access())
        .isEqualTo(new Access.Collections(Map.of("a", Access.Mode.R, "b", Access.Mode.PRW)));
    Principal v =
        with(
            jwt(
                KEY,
                "{\"value_exists\":{\"collection\":\"users\",\"matches\":[{\"key\":\"tokenId\",\"value\":\"t42\"},{\"key\":\"n\",\"value\":7}]}}"));
    assertThat(v.valueExists())
        .isEqualTo(
            new ValueExists(
                "users",
                List.of(new ValueExists.Match("tokenId", "t42"), new ValueExists.Match("n", 7L))));
  }

  @Test
  void badTokensAreRefused() {
    long past = Instant.now().getEpochSecond() - 120;
    var expired = failure(() -> bearer(jwt(KEY, "{\"exp\":" + past + "}")));
    assertThat(expired.forbidden()).isTrue();
    assertThat(expired.getMessage()).isEqualTo("ExpiredSignature");
    long withinLeeway = Instant.now().getEpochSecond() - 10;
    assertThat(bearer(jwt(KEY, "{\"exp\":" + withinLeeway + "}")).access())
        .as("30 s leeway")
        .isEqualTo(Access.MANAGE);
    var wrongSecret = failure(() -> bearer(jwt("another-secret", "{\"access\":\"m\"}")));
    assertThat(wrongSecret.forbidden()).isTrue();
    assertThat(wrongSecret.getMessage()).isEqualTo("InvalidSignature");
    assertThat(failure(() -> bearer(jwt(RO, "{\"access\":\"m\"}"))).getMessage())
        .as("the read-only key is no secret")
        .isEqualTo("InvalidSignature");
    assertThat(
            failure(
                    () ->
                        bearer(
                            jwt(
                                KEY,
                                "{\"access\":[{\"collection\":\"a\",\"access\":\"r\",\"payload\":{\"x\":1}}]}")))
                .forbidden())
        .as("deprecated payload claim: 401")
        .isFalse();
    assertThat(
            failure(
                    () ->
                        bearer(
                            jwt(
                                KEY,
                                "{\"access\":[{\"collection\":\"a\",\"access\":\"r\"},{\"collection\":\"a\",\"access\":\"rw\"}]}")))
                .forbidden())
        .isFalse();
    assertThat(failure(() -> bearer(jwt(KEY, "{\"access\":\"x\"}"))).forbidden()).isFalse();
    var b64 = Base64.getUrlEncoder().withoutPadding();
    String none =
        b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8))
            + "."
            + b64.encodeToString("{\"access\":\"m\"}".getBytes(StandardCharsets.UTF_8))
            + ".";
    assertThat(failure(() -> bearer(none)).getMessage()).isEqualTo("Invalid API key or JWT");
    String hs512 = JWT.create().withClaim("access", "m").sign(Algorithm.HMAC512(KEY));
    assertThat(failure(() -> bearer(hs512)).forbidden()).isTrue();
    assertThat(failure(() -> bearer("not.a.jwt")).getMessage()).isEqualTo("Invalid API key or JWT");
  }

  @Test
  void jwtNeedsJwtRbac() {
    var keysOnly = Authenticator.of(new AuthSettings(KEY, null, null, false));
    assertThat(
            failure(() -> keysOnly.authenticate(new Credentials(null, "Bearer " + jwt(KEY, "{}"))))
                .getMessage())
        .isEqualTo("Invalid API key or JWT");
  }

  /** A clock the test moves. */
  private static final class TestClock extends Clock {
    private final AtomicLong millis = new AtomicLong(Instant.now().toEpochMilli());

    void advance(Duration d) {
      millis.addAndGet(d.toMillis());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis.get());
    }
  }

  @Test
  void cachedTokensStillExpire() {
    TestClock clock = new TestClock();
    Authenticator auth = Authenticator.of(new AuthSettings(KEY, ALT, RO, true), clock);
    long soon = clock.instant().getEpochSecond() - 29; // expires (with leeway) in a second
    String t = jwt(KEY, "{\"exp\":" + soon + "}");
    Credentials c = new Credentials(null, "Bearer " + t);
    assertThat(auth.authenticate(c).access()).isEqualTo(Access.MANAGE);
    assertThat(auth.authenticate(c).access()).isEqualTo(Access.MANAGE); // from the cache
    clock.advance(Duration.ofMillis(2100));
    assertThat(failure(() -> auth.authenticate(c)).getMessage()).isEqualTo("ExpiredSignature");
  }

  @Test
  void credentialsNeverShowInToString() {
    assertThat(new Credentials(KEY, "Bearer " + ALT).toString())
        .doesNotContain(KEY)
        .doesNotContain(ALT);
    assertThat(new AuthSettings(KEY, ALT, RO, true).toString())
        .doesNotContain(KEY)
        .doesNotContain(ALT)
        .doesNotContain(RO);
  }
}
