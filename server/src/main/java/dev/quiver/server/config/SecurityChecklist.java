package dev.quiver.server.config;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The security checklist of Qdrant's security guide, evaluated against a node's configuration and
 * the files it names: each item passes, warns or fails, with the reason and the fix. Stateless.
 */
public final class SecurityChecklist {
  private SecurityChecklist() {}

  /** API keys shorter than this are called weak (32 characters: 128 bits as hex). */
  static final int STRONG_KEY_LENGTH = 32;

  /** Certificates expiring within this are warned about. */
  static final Duration EXPIRY_WARNING = Duration.ofDays(30);

  /** An item's verdict. */
  public enum Verdict {
    PASS,
    WARN,
    FAIL
  }

  /** One checked item: what it is, the verdict, why, and what to do (null when it passes). */
  public record Item(String name, Verdict verdict, String reason, String fix) {}

  /**
   * The items as JSON, as both {@code quiver security-check --json} and {@code GET /security/check}
   * show them: {@code item}, {@code verdict} (pass, warn, fail), {@code reason}, and {@code fix}
   * when there is one.
   */
  public static ArrayNode json(List<Item> items) {
    ArrayNode array = JsonNodeFactory.instance.arrayNode();
    for (Item i : items) {
      ObjectNode o = array.addObject();
      o.put("item", i.name());
      o.put("verdict", i.verdict().name().toLowerCase(Locale.ROOT));
      o.put("reason", i.reason());
      if (i.fix() != null) {
        o.put("fix", i.fix());
      }
    }
    return array;
  }

  /** Whether no item fails (warnings pass). */
  public static boolean passed(List<Item> items) {
    return items.stream().noneMatch(i -> i.verdict() == Verdict.FAIL);
  }

  /**
   * Evaluates the checklist.
   *
   * @param base the directory relative file names in the configuration are resolved against
   * @param now the time certificates are judged at
   */
  public static List<Item> evaluate(QuiverConfig config, Path base, Instant now) {
    List<Item> items = new ArrayList<>();
    ServiceSection s = config.service();
    items.add(apiKey(s));
    items.add(readOnlyKey(s));
    items.add(
        s.jwtRbac()
            ? pass("jwt_rbac", "JWT role-based access is on")
            : warn(
                "jwt_rbac",
                "JWT role-based access is off: every client holds a whole key",
                "set service.jwt_rbac: true and give clients tokens from `quiver jwt`"));
    items.add(
        s.enableTls()
            ? pass("tls", "REST and gRPC ports serve TLS")
            : fail(
                "tls",
                "the REST and gRPC ports serve plain text: keys and data cross the network in"
                    + " clear",
                "set service.enable_tls: true with tls.cert and tls.key"));
    items.add(
        s.verifyHttpsClientCertificate()
            ? pass("client_certificates", "clients must present a certificate the CA signed")
            : warn(
                "client_certificates",
                "clients are not asked for certificates",
                "set service.verify_https_client_certificate: true and tls.ca_cert"));
    items.add(p2pTls(config.cluster()));
    if (s.enableTls() || config.cluster().p2p().enableTls()) {
      items.add(certificate(config.tls(), base, now));
      items.add(keyFile(config.tls(), base));
    }
    items.add(
        "0.0.0.0".equals(s.host()) || "::".equals(s.host())
            ? warn(
                "bind_address",
                "the node listens on every interface (" + s.host() + ")",
                "restrict the ports to trusted networks with a firewall, or set service.host to a"
                    + " private address")
            : pass("bind_address", "the node listens on " + s.host()));
    items.add(
        config.audit().enabled()
            ? pass("audit_log", "API access is written to the audit log")
            : fail(
                "audit_log",
                "the audit log is off: access is not recorded",
                "set audit.enabled: true (and audit.dir)"));
    items.add(snapshotRecovery(s));
    return items;
  }

  private static Item apiKey(ServiceSection s) {
    if (!ServiceSection.isSet(s.apiKey())) {
      return fail(
          "api_key",
          "no API key: anyone who reaches the ports has full access",
          "set service.api_key to a random key, e.g. `openssl rand -hex 32`");
    }
    if (s.apiKey().length() < STRONG_KEY_LENGTH) {
      return warn(
          "api_key",
          "the API key has " + s.apiKey().length() + " characters",
          "use at least " + STRONG_KEY_LENGTH + " random characters, e.g. `openssl rand -hex 32`");
    }
    return pass("api_key", "an API key of " + s.apiKey().length() + " characters is required");
  }

  private static Item readOnlyKey(ServiceSection s) {
    if (!ServiceSection.isSet(s.readOnlyApiKey())) {
      return pass("read_only_key", "no read-only key is configured");
    }
    if (s.readOnlyApiKey().equals(s.apiKey()) || s.readOnlyApiKey().equals(s.altApiKey())) {
      return fail(
          "read_only_key",
          "the read-only key equals a read-write key, so it grants writes",
          "give service.read_only_api_key a value of its own");
    }
    if (s.readOnlyApiKey().length() < STRONG_KEY_LENGTH) {
      return warn(
          "read_only_key",
          "the read-only key has " + s.readOnlyApiKey().length() + " characters",
          "use at least " + STRONG_KEY_LENGTH + " random characters");
    }
    return pass("read_only_key", "the read-only key is distinct and long");
  }

  private static Item p2pTls(ClusterSection c) {
    if (!c.enabled()) {
      return pass("p2p_tls", "a single node: no peer traffic");
    }
    return c.p2p().enableTls()
        ? pass("p2p_tls", "peers talk over mutual TLS")
        : fail(
            "p2p_tls",
            "cluster peers talk in plain text, and any client of the P2P port has cluster powers",
            "set cluster.p2p.enable_tls: true with a certificate every peer's CA signed");
  }

  private static Item certificate(TlsSection tls, Path base, Instant now) {
    if (tls.cert() == null) {
      return fail("certificate", "TLS is on but tls.cert is not set", "set tls.cert");
    }
    Path file = base.resolve(tls.cert());
    X509Certificate cert;
    try (InputStream in = Files.newInputStream(file)) {
      cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    } catch (IOException | CertificateException | ClassCastException e) {
      return fail(
          "certificate",
          "the certificate " + tls.cert() + " cannot be read: " + e.getMessage(),
          "point tls.cert at a PEM certificate");
    }
    return expiry(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant(), now);
  }

  /** The verdict on a certificate valid from {@code notBefore} to {@code notAfter}. */
  static Item expiry(Instant notBefore, Instant notAfter, Instant now) {
    if (now.isAfter(notAfter)) {
      return fail("certificate", "the certificate expired on " + notAfter, "renew the certificate");
    }
    if (now.isBefore(notBefore)) {
      return fail(
          "certificate",
          "the certificate is not valid before " + notBefore,
          "check the certificate's dates and this machine's clock");
    }
    Duration left = Duration.between(now, notAfter);
    if (left.compareTo(EXPIRY_WARNING) < 0) {
      return warn(
          "certificate",
          "the certificate expires in " + left.toDays() + " days (" + notAfter + ")",
          "renew it; the node reloads certificate files without a restart");
    }
    return pass("certificate", "the certificate is valid until " + notAfter);
  }

  private static Item keyFile(TlsSection tls, Path base) {
    if (tls.key() == null) {
      return fail("key_file", "TLS is on but tls.key is not set", "set tls.key");
    }
    Path file = base.resolve(tls.key());
    Set<PosixFilePermission> perms;
    try {
      perms = Files.getPosixFilePermissions(file);
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system (Windows): the check cannot tell who may read the key
      return warn(
          "key_file",
          "file permissions cannot be read on this file system",
          "make sure only the node's user can read " + tls.key());
    } catch (IOException e) {
      return fail(
          "key_file", "the key file " + tls.key() + " cannot be read", "point tls.key at it");
    }
    if (perms.contains(PosixFilePermission.OTHERS_READ)) {
      return fail(
          "key_file",
          "the private key " + tls.key() + " is readable by every user",
          "chmod 600 " + tls.key());
    }
    if (perms.contains(PosixFilePermission.GROUP_READ)) {
      return warn(
          "key_file",
          "the private key " + tls.key() + " is readable by its group",
          "chmod 600 " + tls.key());
    }
    return pass("key_file", "the private key is readable by its owner only");
  }

  private static Item snapshotRecovery(ServiceSection s) {
    if (!s.enableSnapshotUrlRecovery()) {
      return pass("snapshot_url_recovery", "recovery from URLs is off");
    }
    return s.snapshotUrlRecoveryAllowPrivate()
        ? warn(
            "snapshot_url_recovery",
            "recovery from URLs may reach private and loopback addresses",
            "set service.snapshot_url_recovery_allow_private: false unless snapshots live there")
        : pass(
            "snapshot_url_recovery",
            "recovery from URLs reaches public addresses only, with manage rights");
  }

  private static Item pass(String name, String reason) {
    return new Item(name, Verdict.PASS, reason, null);
  }

  private static Item warn(String name, String reason, String fix) {
    return new Item(name, Verdict.WARN, reason, fix);
  }

  private static Item fail(String name, String reason, String fix) {
    return new Item(name, Verdict.FAIL, reason, fix);
  }
}
