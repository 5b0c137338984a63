package dev.quiver.bench;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * A minimal HTTP/1.1 keep-alive JSON client: one connection per calling thread, each request
 * written and its response read on that thread, as {@code wrk} does. The JDK's {@code HttpClient}
 * hands every exchange between its selector thread and an executor, which on a two-core machine
 * shared with the server costs the client about as much CPU as the server spends on the request;
 * this one costs a write and a read. Thread-safe (its connections are per thread).
 */
final class KeepAliveHttp implements AutoCloseable {
  private final String host;
  private final int port;
  private final SSLContext tls;
  private final String token;
  private final Set<Conn> open = ConcurrentHashMap.newKeySet();
  private final ThreadLocal<Conn> conns = new ThreadLocal<>();

  /** {@code tls} null: plain HTTP; {@code token} null: no Authorization header. */
  KeepAliveHttp(String host, int port, SSLContext tls, String token) {
    this.host = host;
    this.port = port;
    this.tls = tls;
    this.token = token;
  }

  /** A response: its status and body. */
  record Response(int status, String body) {}

  /** Sends {@code json} (null: no body) and reads the whole response. */
  Response send(String method, String path, String json) throws IOException {
    return send(
        method, path, json == null ? null : new byte[][] {json.getBytes(StandardCharsets.UTF_8)});
  }

  /**
   * Sends a JSON body given as the concatenation of {@code parts} (null: no body), written to the
   * connection one after another, and reads the whole response.
   */
  Response send(String method, String path, byte[][] parts) throws IOException {
    Conn c = conns.get();
    if (c == null || c.socket.isClosed()) {
      c = new Conn(connect());
      conns.set(c);
      open.add(c);
    }
    try {
      return c.exchange(method, path, parts);
    } catch (IOException e) {
      c.close();
      open.remove(c);
      conns.remove();
      throw e;
    }
  }

  private Socket connect() throws IOException {
    Socket s = new Socket();
    s.setTcpNoDelay(true);
    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    if (tls == null) {
      return s;
    }
    SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(s, host, port, true);
    SSLParameters p = ssl.getSSLParameters();
    p.setEndpointIdentificationAlgorithm("HTTPS");
    ssl.setSSLParameters(p);
    ssl.startHandshake();
    return ssl;
  }

  private final class Conn implements AutoCloseable {
    final Socket socket;
    final OutputStream out;
    final InputStream in;

    Conn(Socket socket) throws IOException {
      this.socket = socket;
      this.out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
      this.in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
    }

    Response exchange(String method, String path, byte[][] parts) throws IOException {
      long bodyLength = 0;
      if (parts != null) {
        for (byte[] part : parts) {
          bodyLength += part.length;
        }
      }
      StringBuilder head = new StringBuilder(160);
      head.append(method).append(' ').append(path).append(" HTTP/1.1\r\nHost: ");
      head.append(host).append(':').append(port).append("\r\n");
      if (token != null) {
        head.append("Authorization: Bearer ").append(token).append("\r\n");
      }
      if (parts != null) {
        head.append("Content-Type: application/json\r\n");
      }
      head.append("Content-Length: ").append(bodyLength).append("\r\n\r\n");
      out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
      if (parts != null) {
        for (byte[] part : parts) {
          out.write(part);
        }
      }
      out.flush();

      String status = line();
      if (status == null || !status.startsWith("HTTP/1.1 ") || status.length() < 12) {
        throw new IOException("bad status line: " + status);
      }
      int code = Integer.parseInt(status.substring(9, 12));
      long length = -1;
      boolean chunked = false;
      boolean close = false;
      for (String h = line(); h != null && !h.isEmpty(); h = line()) {
        int colon = h.indexOf(':');
        if (colon < 0) {
          continue;
        }
        String name = h.substring(0, colon).trim();
        String value = h.substring(colon + 1).trim();
        if (name.equalsIgnoreCase("content-length")) {
          length = Long.parseLong(value);
        } else if (name.equalsIgnoreCase("transfer-encoding")) {
          chunked = value.equalsIgnoreCase("chunked");
        } else if (name.equalsIgnoreCase("connection")) {
          close = value.equalsIgnoreCase("close");
        }
      }
      ByteArrayOutputStream content = new ByteArrayOutputStream();
      if (chunked) {
        for (long n = Long.parseLong(line().split(";")[0].trim(), 16);
            n > 0;
            n = Long.parseLong(line().split(";")[0].trim(), 16)) {
          content.write(in.readNBytes((int) n));
          line(); // the CRLF after the chunk
        }
        for (String t = line(); t != null && !t.isEmpty(); t = line()) {
          // trailers
        }
      } else if (length >= 0) {
        content.write(in.readNBytes((int) length));
      } else {
        content.write(in.readAllBytes());
        close = true;
      }
      if (close) {
        close();
      }
      return new Response(code, content.toString(StandardCharsets.UTF_8));
    }

    /** One CRLF-terminated line, without the CRLF; null at the end of the stream. */
    private String line() throws IOException {
      StringBuilder sb = new StringBuilder(64);
      int b;
      while ((b = in.read()) != -1) {
        if (b == '\n') {
          int n = sb.length();
          return n > 0 && sb.charAt(n - 1) == '\r' ? sb.substring(0, n - 1) : sb.toString();
        }
        sb.append((char) b);
      }
      return sb.isEmpty() ? null : sb.toString();
    }

    @Override
    public void close() {
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }

  @Override
  public void close() {
    open.forEach(Conn::close);
    open.clear();
  }
}
