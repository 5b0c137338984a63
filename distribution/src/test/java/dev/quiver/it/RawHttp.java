package dev.quiver.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * HTTP/1.1 written by hand, for requests the JDK's client will not send (malformed escapes, bad
 * encodings, pipelined or half-sent requests): one connection per exchange, the answer read until
 * the server closes it.
 */
final class RawHttp {
  private RawHttp() {}

  /** A request's bytes: the line, {@code host}, {@code api-key} (if given), headers, body. */
  static byte[] request(
      String method, String target, String apiKey, List<String> headers, byte[] body) {
    StringBuilder b = new StringBuilder(method + " " + target + " HTTP/1.1\r\nhost: 127.0.0.1");
    if (apiKey != null) {
      b.append("\r\napi-key: ").append(apiKey);
    }
    for (String h : headers) {
      b.append("\r\n").append(h);
    }
    b.append("\r\ncontent-length: ").append(body.length).append("\r\n\r\n");
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    all.writeBytes(b.toString().getBytes(StandardCharsets.ISO_8859_1));
    all.writeBytes(body);
    return all.toByteArray();
  }

  /**
   * Sends {@code bytes} to {@code port} on 127.0.0.1, waits {@code pauseMillis}, and returns all
   * the server sends until it closes the connection (90 s at most). The bytes are written on a
   * thread of their own while the answer is read, as a pipelining client does: a long request
   * stream does not wait for the server to read it before its answers are taken.
   */
  static String exchange(int port, byte[] bytes, int pauseMillis) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(90_000);
      OutputStream out = socket.getOutputStream();
      Thread writer =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try {
                      out.write(bytes);
                      out.flush();
                    } catch (IOException e) {
                      // the server answered and closed before taking it all: the answer says why
                    }
                  });
      if (pauseMillis > 0) {
        try {
          Thread.sleep(pauseMillis);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      try {
        writer.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return answer;
    }
  }
}
