package dev.quiver.server.recovery;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * One HTTP/1.1 {@code GET} sent to an address the caller resolved and checked, not to whatever the
 * host name resolves to when the connection is made: a DNS answer that changes between the check
 * and the connection (rebinding) cannot point the request somewhere else. For {@code https} the TLS
 * handshake still names the host (SNI) and verifies the certificate against it, with the JVM's
 * trust store. Every read waits at most the read timeout; the status line and headers are capped at
 * 64 KB; the body is read by its {@code content-length}, chunked, or to the end of the connection.
 * No redirect is followed (a 3xx is returned as it is). Not thread-safe: one caller reads it.
 */
public final class PinnedGet implements AutoCloseable {
  private static final int MAX_HEAD = 64 << 10;

  private final Socket socket;
  private final int status;
  private final long contentLength;
  private final InputStream body;

  private PinnedGet(Socket socket, int status, long contentLength, InputStream body) {
    this.socket = socket;
    this.status = status;
    this.contentLength = contentLength;
    this.body = body;
  }

  /**
   * Connects to {@code address} at {@code location}'s port, sends the request for {@code location}
   * with {@code headers}, and reads the answer's head.
   */
  static PinnedGet open(
      URI location,
      InetAddress address,
      Map<String, String> headers,
      Duration connectTimeout,
      Duration readTimeout)
      throws IOException {
    boolean tls = "https".equalsIgnoreCase(location.getScheme());
    String host = location.getHost();
    int port = location.getPort() >= 0 ? location.getPort() : tls ? 443 : 80;
    Socket socket = new Socket();
    try {
      socket.connect(new InetSocketAddress(address, port), (int) connectTimeout.toMillis());
      socket.setSoTimeout((int) Math.max(1, readTimeout.toMillis()));
      if (tls) {
        socket = handshake(socket, host, port);
      }
      OutputStream out = socket.getOutputStream();
      out.write(request(location, host, port, tls, headers));
      out.flush();
      InputStream in = socket.getInputStream();
      List<String> head = head(in);
      int status = status(head.getFirst());
      long length = -1;
      boolean chunked = false;
      for (String line : head.subList(1, head.size())) {
        int colon = line.indexOf(':');
        if (colon <= 0) {
          throw new IOException("a malformed header line");
        }
        String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
        String value = line.substring(colon + 1).trim();
        if (name.equals("content-length")) {
          length = parseLength(value);
        } else if (name.equals("transfer-encoding")) {
          chunked = value.toLowerCase(Locale.ROOT).endsWith("chunked");
        }
      }
      InputStream body = chunked ? new Chunked(in) : length >= 0 ? new Bounded(in, length) : in;
      return new PinnedGet(socket, status, chunked ? -1 : length, body);
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  int status() {
    return status;
  }

  /** The declared body length, or -1 when the server did not declare one. */
  long contentLength() {
    return contentLength;
  }

  InputStream body() {
    return body;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  private static Socket handshake(Socket plain, String host, int port) throws IOException {
    SSLContext context;
    try {
      context = SSLContext.getDefault();
    } catch (NoSuchAlgorithmException e) {
      throw new IOException("no TLS context", e);
    }
    SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
    SSLParameters p = tls.getSSLParameters();
    p.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name `host`
    if (!isLiteral(host)) {
      p.setServerNames(List.of(new SNIHostName(host)));
    }
    tls.setSSLParameters(p);
    tls.startHandshake();
    return tls;
  }

  private static boolean isLiteral(String host) {
    return host.startsWith("[") || host.chars().allMatch(c -> c == '.' || Character.isDigit(c));
  }

  private static byte[] request(
      URI location, String host, int port, boolean tls, Map<String, String> headers) {
    String path =
        location.getRawPath() == null || location.getRawPath().isEmpty()
            ? "/"
            : location.getRawPath();
    if (location.getRawQuery() != null) {
      path += "?" + location.getRawQuery();
    }
    boolean defaultPort = port == (tls ? 443 : 80);
    StringBuilder b =
        new StringBuilder("GET ")
            .append(path)
            .append(" HTTP/1.1\r\nhost: ")
            .append(host)
            .append(defaultPort ? "" : ":" + port)
            .append("\r\naccept-encoding: identity\r\nconnection: close\r\n");
    headers.forEach(
        (k, v) -> {
          if (k.indexOf('\r') >= 0
              || k.indexOf('\n') >= 0
              || v.indexOf('\r') >= 0
              || v.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("a header with a line break");
          }
          b.append(k).append(": ").append(v).append("\r\n");
        });
    return b.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  /** The status line and header lines, up to the blank line; at most {@link #MAX_HEAD} bytes. */
  private static List<String> head(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(1024);
    int matched = 0; // of "\r\n\r\n"
    while (matched < 4) {
      int c = in.read();
      if (c < 0) {
        throw new EOFException("the connection closed in the answer's head");
      }
      if (buf.size() >= MAX_HEAD) {
        throw new IOException("the answer's head is over " + MAX_HEAD + " bytes");
      }
      buf.write(c);
      matched =
          (c == '\r' && matched % 2 == 0) || (c == '\n' && matched % 2 == 1)
              ? matched + 1
              : c == '\r' ? 1 : 0;
    }
    String text = buf.toString(StandardCharsets.ISO_8859_1);
    return List.of(text.substring(0, text.length() - 4).split("\r\n"));
  }

  private static int status(String line) throws IOException {
    String[] parts = line.split(" ", 3);
    if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || parts[1].length() != 3) {
      throw new IOException("not an HTTP/1.x answer");
    }
    try {
      return Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new IOException("not an HTTP/1.x status", e);
    }
  }

  private static long parseLength(String value) throws IOException {
    try {
      long n = Long.parseLong(value);
      if (n < 0) {
        throw new IOException("a negative content-length");
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IOException("a malformed content-length", e);
    }
  }

  /** A body stream whose single-byte read goes through its array read. */
  private abstract static class Body extends FilterInputStream {
    Body(InputStream in) {
      super(in);
    }

    @Override
    public final int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }
  }

  /** A body of a declared length: ends there, and fails if the connection ends before. */
  private static final class Bounded extends Body {
    private long left;

    Bounded(InputStream in, long length) {
      super(in);
      this.left = length;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left == 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n < 0) {
        throw new EOFException("the body ended before its content-length");
      }
      left -= n;
      return n;
    }
  }

  /** A chunked body (RFC 9112 §7.1), decoded; trailers are read and dropped. */
  private static final class Chunked extends Body {
    private long left; // of the current chunk
    private boolean done;

    Chunked(InputStream in) {
      super(in);
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (done) {
        return -1;
      }
      if (left == 0) {
        left = chunkSize();
        if (left == 0) {
          while (!line().isEmpty()) {
            // trailers
          }
          done = true;
          return -1;
        }
      }
      int n = in.read(b, off, (int) Math.min(len, left));
      if (n < 0) {
        throw new EOFException("the body ended inside a chunk");
      }
      left -= n;
      if (left == 0 && !line().isEmpty()) {
        throw new IOException("a chunk not followed by its line break");
      }
      return n;
    }

    private long chunkSize() throws IOException {
      String size = line();
      int ext = size.indexOf(';');
      try {
        long n = Long.parseLong((ext < 0 ? size : size.substring(0, ext)).trim(), 16);
        if (n < 0) {
          throw new IOException("a negative chunk size");
        }
        return n;
      } catch (NumberFormatException e) {
        throw new IOException("a malformed chunk size", e);
      }
    }

    /** One line without its CRLF, at most 4 KB. */
    private String line() throws IOException {
      StringBuilder s = new StringBuilder();
      while (true) {
        int c = in.read();
        if (c < 0) {
          throw new EOFException("the body ended inside a chunk line");
        }
        if (c == '\n') {
          int end = s.length();
          return s.substring(0, end > 0 && s.charAt(end - 1) == '\r' ? end - 1 : end);
        }
        if (s.length() >= 4096) {
          throw new IOException("a chunk line over 4 KB");
        }
        s.append((char) c);
      }
    }
  }
}
