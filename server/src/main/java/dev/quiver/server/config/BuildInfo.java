package dev.quiver.server.config;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * Version facts written into the jar by the build. Stateless (static methods only), so thread-safe.
 */
public final class BuildInfo {
  /** Quiver's own version. */
  public static final String VERSION;

  /** The Qdrant version whose API Quiver speaks; reported by {@code GET /}. */
  public static final String QDRANT_API_VERSION;

  /** The git commit the build was made from ({@code unknown} outside a checkout). */
  public static final String COMMIT;

  static {
    Properties p = new Properties();
    try (InputStream in =
        BuildInfo.class.getResourceAsStream("/dev/quiver/server/build.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      // keep the fallbacks below
    }
    VERSION = p.getProperty("version", "dev");
    QDRANT_API_VERSION = p.getProperty("qdrant.api.version", "1.18.3");
    String commit = p.getProperty("commit", "");
    COMMIT = commit.isEmpty() || commit.startsWith("${") ? "unknown" : commit;
  }

  private BuildInfo() {}
}
