package dev.quiver.server.rest;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.compression.Brotli;
import io.netty.handler.codec.compression.Zstd;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import java.util.Locale;
import java.util.Set;

/**
 * The request body encodings the REST port decodes, as Qdrant's server does: {@code gzip}, {@code
 * deflate}, {@code zstd} (through zstd-jni) and {@code br} (through Brotli4j), the last two when
 * their native libraries load. A body in any other encoding (such as {@code compress}) is answered
 * 415 naming it, instead of being parsed as if it were JSON. Sits between the HTTP codec and the
 * decompressor; stateless and sharable.
 */
@ChannelHandler.Sharable
final class ContentEncodings extends ChannelInboundHandlerAdapter {
  static final ContentEncodings INSTANCE = new ContentEncodings();

  private static final Set<String> ALWAYS =
      Set.of("identity", "gzip", "x-gzip", "deflate", "x-deflate");

  private ContentEncodings() {}

  /** Whether {@code encoding} is decoded here. */
  static boolean supported(String encoding) {
    String e = encoding.trim().toLowerCase(Locale.ROOT);
    return e.isEmpty()
        || ALWAYS.contains(e)
        || (e.equals("zstd") && Zstd.isAvailable())
        || (e.equals("br") && Brotli.isAvailable());
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    if (msg instanceof HttpRequest req) {
      String header = req.headers().get(HttpHeaderNames.CONTENT_ENCODING);
      if (header != null) {
        for (String e : header.split(",")) {
          if (!supported(e)) {
            ReferenceCountUtil.release(msg);
            ChannelHandlerContext afterCodec = ctx.pipeline().context(ConnectionGuards.AFTER_CODEC);
            ConnectionGuards.refuse(
                afterCodec == null ? ctx : afterCodec,
                HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
                "Unsupported Content-Encoding: "
                    + e.trim()
                    + " (gzip, deflate"
                    + (Zstd.isAvailable() ? ", zstd" : "")
                    + (Brotli.isAvailable() ? ", br" : "")
                    + " are decoded)");
            return;
          }
        }
      }
    }
    if (ConnectionGuards.refused(ctx.channel())) {
      ReferenceCountUtil.release(msg); // the rest of a refused request
      return;
    }
    super.channelRead(ctx, msg);
  }
}
