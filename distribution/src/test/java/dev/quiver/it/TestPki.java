package dev.quiver.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates for tests, made with Debian's {@code openssl} the way the security guide shows: a
 * CA, node certificates with SANs for localhost and 127.0.0.1 (serverAuth and clientAuth), and
 * client certificates.
 */
final class TestPki {
  private final Path dir;

  TestPki(Path dir) throws IOException {
    this.dir = Files.createDirectories(dir);
  }

  /**
   * A node's TLS directory {@code work/tls} as the node reads it by default: {@code cacert.pem},
   * and {@code cert.pem} / {@code key.pem} for localhost and 127.0.0.1 signed by it.
   */
  static TestPki nodeTls(Path work) throws Exception {
    TestPki pki = new TestPki(work.resolve("tls"));
    pki.ca("cacert");
    Path[] server = pki.issue("cacert", "server", "localhost", "rsa");
    Files.copy(server[0], work.resolve("tls/cert.pem"), StandardCopyOption.REPLACE_EXISTING);
    Files.copy(server[1], work.resolve("tls/key.pem"), StandardCopyOption.REPLACE_EXISTING);
    return pki;
  }

  static String openssl(Path cwd, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add("openssl");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("openssl " + String.join(" ", args) + " failed: " + out);
    }
    return out;
  }

  /** A self-signed CA: {@code <name>.pem} and {@code <name>-key.pem}. */
  Path ca(String name) throws Exception {
    openssl(
        dir,
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        name + "-key.pem",
        "-out",
        name + ".pem",
        "-days",
        "3",
        "-subj",
        "/CN=" + name);
    return dir.resolve(name + ".pem");
  }

  /**
   * A certificate for {@code cn} signed by CA {@code ca}; returns {@code [cert, key]}. Key kinds:
   * {@code rsa} (PKCS#8), {@code rsa1} (PKCS#1), {@code ec} (SEC1).
   */
  Path[] issue(String ca, String name, String cn, String keyKind) throws Exception {
    return issue(
        ca,
        name,
        cn,
        keyKind,
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n");
  }

  /** As {@link #issue(String, String, String, String)} with the given {@code x509} extensions. */
  Path[] issue(String ca, String name, String cn, String keyKind, String extensions)
      throws Exception {
    String key = name + "-key.pem";
    switch (keyKind) {
      case "rsa" ->
          openssl(
              dir, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key);
      case "rsa1" -> openssl(dir, "genrsa", "-traditional", "-out", key, "2048");
      case "ec" -> openssl(dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key);
      default -> throw new IllegalArgumentException(keyKind);
    }
    openssl(dir, "req", "-new", "-key", key, "-out", name + ".csr", "-subj", "/CN=" + cn);
    Files.writeString(dir.resolve(name + ".ext"), extensions);
    openssl(
        dir,
        "x509",
        "-req",
        "-in",
        name + ".csr",
        "-CA",
        ca + ".pem",
        "-CAkey",
        ca + "-key.pem",
        "-CAcreateserial",
        "-out",
        name + ".pem",
        "-days",
        "3",
        "-extfile",
        name + ".ext");
    return new Path[] {dir.resolve(name + ".pem"), dir.resolve(key)};
  }

  Path dir() {
    return dir;
  }
}
