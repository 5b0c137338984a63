package dev.quiver.security.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS for Quiver's own clients (such as {@code quiver migrate}) from PEM files: the CA bundle to
 * trust (the JDK's when none is given) and, for servers that require client certificates, a
 * certificate chain and its key (PKCS#8, PKCS#1 RSA or SEC1 EC). Stateless (a static factory), so
 * thread-safe; the contexts it makes are the JDK's.
 */
public final class ClientTls {
  private ClientTls() {}

  /**
   * The key and trust managers a client presents and uses, for transports that build their own TLS
   * engine (gRPC's channel credentials).
   *
   * @param keys the client certificate's key managers; empty to present none
   * @param trust the trust managers of the CA bundle; empty for the JDK's trust store
   */
  public record Managers(List<KeyManager> keys, List<TrustManager> trust) {
    /** Immutable copies. */
    public Managers {
      keys = List.copyOf(keys);
      trust = List.copyOf(trust);
    }
  }

  /**
   * A client context.
   *
   * @param caCert PEM CA bundle to trust, or null for the JDK's trust store
   * @param cert PEM certificate chain to present, or null for none
   * @param key the certificate's private key (required with {@code cert})
   * @param names the option names to use in errors for the three files, in that order
   * @throws TlsMaterialException naming the option and the file when one cannot be used
   */
  public static SSLContext context(Path caCert, Path cert, Path key, String... names) {
    Managers m = managers(caCert, cert, key, names);
    try {
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(
          m.keys().isEmpty() ? null : m.keys().toArray(new KeyManager[0]),
          m.trust().isEmpty() ? null : m.trust().toArray(new TrustManager[0]),
          null);
      return ssl;
    } catch (GeneralSecurityException e) {
      throw new TlsMaterialException("cannot build the TLS context: " + e.getMessage(), e);
    }
  }

  /** The managers {@link #context} is made of; the same arguments, the same errors. */
  public static Managers managers(Path caCert, Path cert, Path key, String... names) {
    String caName = names.length > 0 ? names[0] : "ca_cert";
    String certName = names.length > 1 ? names[1] : "cert";
    String keyName = names.length > 2 ? names[2] : "key";
    if ((cert == null) != (key == null)) {
      throw new TlsMaterialException(certName + " and " + keyName + " go together");
    }
    try {
      List<TrustManager> trust = List.of();
      if (caCert != null) {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int i = 0;
        for (X509Certificate c : Pem.certificates(caName, caCert)) {
          store.setCertificateEntry("ca-" + i++, c);
        }
        TrustManagerFactory tmf =
            TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        trust = List.of(tmf.getTrustManagers());
      }
      List<KeyManager> keys = List.of();
      if (cert != null) {
        List<X509Certificate> chain = Pem.certificates(certName, cert);
        PrivateKey privateKey = Pem.privateKey(keyName, key);
        Pem.checkPair(chain.getFirst(), privateKey, cert, key);
        char[] password = new char[0];
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("client", privateKey, password, chain.toArray(new X509Certificate[0]));
        KeyManagerFactory kmf =
            KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, password);
        keys = List.of(kmf.getKeyManagers());
      }
      return new Managers(keys, trust);
    } catch (GeneralSecurityException | IOException e) {
      throw new TlsMaterialException("cannot build the TLS context: " + e.getMessage(), e);
    }
  }
}
