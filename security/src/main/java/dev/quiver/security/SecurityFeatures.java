package dev.quiver.security;

import java.util.ArrayList;
import java.util.List;

/**
 * Which security settings this build can enforce. Until authentication and TLS land, a node must
 * refuse to start when any of them is configured rather than run open while the operator believes
 * it is protected.
 */
public final class SecurityFeatures {
  private SecurityFeatures() {}

  /**
   * The settings that are asked for but not enforced by this build, as config key names; empty when
   * the node may start.
   */
  public static List<String> unenforced(
      boolean apiKeySet,
      boolean altApiKeySet,
      boolean readOnlyKeySet,
      boolean jwtRbac,
      boolean enableTls,
      boolean verifyClientCertificate,
      boolean p2pTls) {
    List<String> out = new ArrayList<>();
    if (apiKeySet) {
      out.add("service.api_key");
    }
    if (altApiKeySet) {
      out.add("service.alt_api_key");
    }
    if (readOnlyKeySet) {
      out.add("service.read_only_api_key");
    }
    if (jwtRbac) {
      out.add("service.jwt_rbac");
    }
    if (enableTls) {
      out.add("service.enable_tls");
    }
    if (verifyClientCertificate) {
      out.add("service.verify_https_client_certificate");
    }
    if (p2pTls) {
      out.add("cluster.p2p.enable_tls");
    }
    return out;
  }
}
