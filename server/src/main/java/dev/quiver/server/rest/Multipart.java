package dev.quiver.server.rest;

import dev.quiver.server.request.RequestException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

/** The one part of a {@code multipart/form-data} body that an upload needs. Stateless. */
final class Multipart {
  private Multipart() {}

  /** The content of the part named {@code name}, or a 400 when the body has none. */
  static byte[] part(String contentType, byte[] body, String name) {
    String boundary = boundary(contentType);
    byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    int at = indexOf(body, delimiter, 0);
    while (at >= 0) {
      int headersStart = at + delimiter.length;
      if (headersStart + 2 <= body.length
          && body[headersStart] == '-'
          && body[headersStart + 1] == '-') {
        break; // the closing delimiter
      }
      headersStart += 2; // CRLF after the delimiter
      int headersEnd =
          indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), headersStart);
      if (headersEnd < 0) {
        break;
      }
      String headers =
          new String(body, headersStart, headersEnd - headersStart, StandardCharsets.ISO_8859_1);
      int contentStart = headersEnd + 4;
      int next =
          indexOf(body, ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1), contentStart);
      if (next < 0) {
        break;
      }
      if (headers.toLowerCase(Locale.ROOT).contains("name=\"" + name + "\"")) {
        return Arrays.copyOfRange(body, contentStart, next);
      }
      at = next + 2;
    }
    throw new RequestException.Malformed(
        "Format error in multipart body: no `" + name + "` file part found");
  }

  private static String boundary(String contentType) {
    if (contentType != null) {
      for (String p : contentType.split(";")) {
        String t = p.trim();
        if (t.toLowerCase(Locale.ROOT).startsWith("boundary=")) {
          String b = t.substring("boundary=".length());
          if (b.length() >= 2 && b.startsWith("\"") && b.endsWith("\"")) {
            b = b.substring(1, b.length() - 1);
          }
          if (!b.isEmpty()) {
            return b;
          }
        }
      }
    }
    throw new RequestException.Malformed(
        "Format error: the upload must be multipart/form-data with a boundary");
  }

  private static int indexOf(byte[] hay, byte[] needle, int from) {
    outer:
    for (int i = Math.max(0, from); i <= hay.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
