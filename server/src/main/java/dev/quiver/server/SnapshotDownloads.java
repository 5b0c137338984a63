package dev.quiver.server;

import dev.quiver.storage.StorageException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Fetches a snapshot from an {@code http(s)://} recovery location into a local file, streamed to
 * disk (never held in memory), with the request's {@code api_key} as the {@code api-key} header.
 * HTTPS uses the JVM's trust store. Messages name the location without its user info, and never the
 * key.
 */
public final class SnapshotDownloads {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .connectTimeout(CONNECT_TIMEOUT)
          .followRedirects(HttpClient.Redirect.NORMAL)
          .build();

  private SnapshotDownloads() {}

  /** Downloads {@code location} into {@code target} (replaced). */
  public static void fetch(URI location, String apiKey, Path target) {
    HttpRequest.Builder request = HttpRequest.newBuilder(location).GET();
    if (apiKey != null) {
      request.header("api-key", apiKey);
    }
    HttpResponse<Path> response;
    try {
      response = CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofFile(target));
    } catch (IOException e) {
      throw new StorageException.BadInput(
          "Failed to download the snapshot from " + shown(location) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StorageException.Unavailable("interrupted while downloading a snapshot", e);
    } catch (IllegalArgumentException e) {
      throw new StorageException.BadInput("bad snapshot location " + shown(location));
    }
    if (response.statusCode() / 100 != 2) {
      throw new StorageException.BadInput(
          "Failed to download the snapshot from "
              + shown(location)
              + ": the server answered HTTP "
              + response.statusCode());
    }
  }

  /** The location without user info (which may hold a password). */
  static String shown(URI location) {
    return location.getScheme()
        + "://"
        + location.getHost()
        + (location.getPort() < 0 ? "" : ":" + location.getPort())
        + (location.getRawPath() == null ? "" : location.getRawPath());
  }
}
