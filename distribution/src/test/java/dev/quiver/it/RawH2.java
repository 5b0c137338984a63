package dev.quiver.it;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP/2 (h2c, prior knowledge) client written frame by frame, for what a well-behaved client
 * never sends: streams opened and reset as fast as the socket takes them (CVE-2023-44487), more
 * concurrent streams than the server allows. Headers are HPACK literals without Huffman coding or
 * indexing. A reader thread answers the server's SETTINGS and records what came back: the server's
 * stream limit, RST_STREAM codes, GOAWAY. Not thread-safe for writers: one test thread writes.
 */
final class RawH2 implements AutoCloseable {
  static final int HEADERS = 1;
  static final int RST_STREAM = 3;
  static final int SETTINGS = 4;
  static final int GOAWAY = 7;
  static final int CANCEL = 0x8;
  static final int REFUSED_STREAM = 0x7;
  static final int ENHANCE_YOUR_CALM = 0xb;
  private static final int SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;

  private final Socket socket;
  private final OutputStream out;
  private final Thread reader;
  private final CountDownLatch settings = new CountDownLatch(1);
  private final CountDownLatch closed = new CountDownLatch(1);

  /** RST_STREAM frames received, by error code. */
  final Map<Integer, AtomicInteger> resets = new ConcurrentHashMap<>();

  /** The error code of the server's GOAWAY, or -1 while none came. */
  final AtomicLong goAway = new AtomicLong(-1);

  /** The server's SETTINGS_MAX_CONCURRENT_STREAMS, or -1 when it set none. */
  volatile long maxStreams = -1;

  RawH2(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(30_000);
    out = socket.getOutputStream();
    out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
    frame(SETTINGS, 0, 0, new byte[0]);
    out.flush();
    reader = Thread.ofVirtual().start(this::read);
  }

  /** Waits until the server's first SETTINGS frame arrived. */
  boolean awaitSettings(long seconds) throws InterruptedException {
    return settings.await(seconds, TimeUnit.SECONDS);
  }

  /** Waits until the server closed the connection (or {@code seconds} passed). */
  boolean awaitClosed(long seconds) throws InterruptedException {
    return closed.await(seconds, TimeUnit.SECONDS);
  }

  /** Opens stream {@code id} with a gRPC call's headers, leaving the request body to come. */
  void open(int id, String path, String apiKey) throws IOException {
    ByteArrayOutputStream h = new ByteArrayOutputStream();
    literal(h, ":method", "POST");
    literal(h, ":scheme", "http");
    literal(h, ":path", path);
    literal(h, ":authority", "127.0.0.1");
    literal(h, "content-type", "application/grpc");
    literal(h, "te", "trailers");
    literal(h, "api-key", apiKey);
    frame(HEADERS, 0x4, id, h.toByteArray()); // END_HEADERS
  }

  /** Resets stream {@code id} with CANCEL. */
  void cancel(int id) throws IOException {
    frame(RST_STREAM, 0, id, new byte[] {0, 0, 0, CANCEL});
  }

  void flush() throws IOException {
    out.flush();
  }

  int resets(int code) {
    AtomicInteger n = resets.get(code);
    return n == null ? 0 : n.get();
  }

  private synchronized void frame(int type, int flags, int stream, byte[] payload)
      throws IOException {
    int n = payload.length;
    out.write(
        new byte[] {(byte) (n >>> 16), (byte) (n >>> 8), (byte) n, (byte) type, (byte) flags});
    out.write(
        new byte[] {
          (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream
        });
    out.write(payload);
  }

  private static void literal(ByteArrayOutputStream h, String name, String value) {
    h.write(0x00); // literal header field without indexing, new name
    string(h, name);
    string(h, value);
  }

  private static void string(ByteArrayOutputStream h, String s) {
    byte[] b = s.getBytes(StandardCharsets.ISO_8859_1);
    if (b.length > 126) {
      throw new IllegalArgumentException("header too long for a one-byte length: " + s);
    }
    h.write(b.length);
    h.writeBytes(b);
  }

  private void read() {
    try (DataInputStream in = new DataInputStream(socket.getInputStream())) {
      while (true) {
        int length = (in.readUnsignedByte() << 16) | in.readUnsignedShort();
        int type = in.readUnsignedByte();
        int flags = in.readUnsignedByte();
        in.readInt(); // stream id
        byte[] payload = new byte[length];
        in.readFully(payload);
        switch (type) {
          case SETTINGS -> {
            if ((flags & 0x1) == 0) {
              for (int i = 0; i + 6 <= length; i += 6) {
                int id = ((payload[i] & 0xff) << 8) | (payload[i + 1] & 0xff);
                if (id == SETTINGS_MAX_CONCURRENT_STREAMS) {
                  maxStreams = u32(payload, i + 2);
                }
              }
              frame(SETTINGS, 0x1, 0, new byte[0]);
              out.flush();
              settings.countDown();
            }
          }
          case RST_STREAM ->
              resets
                  .computeIfAbsent((int) u32(payload, 0), k -> new AtomicInteger())
                  .incrementAndGet();
          case GOAWAY -> goAway.set(u32(payload, 4));
          default -> {
            // DATA, HEADERS, PING, WINDOW_UPDATE: not needed by the checks
          }
        }
      }
    } catch (IOException endOfConnection) {
      // the server closed it (or the test did)
    } finally {
      closed.countDown();
    }
  }

  private static long u32(byte[] b, int at) {
    return ((b[at] & 0xffL) << 24)
        | ((b[at + 1] & 0xff) << 16)
        | ((b[at + 2] & 0xff) << 8)
        | (b[at + 3] & 0xff);
  }

  @Override
  public void close() throws Exception {
    socket.close();
    reader.join(5_000);
  }
}
