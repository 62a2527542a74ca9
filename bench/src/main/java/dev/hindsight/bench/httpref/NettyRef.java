package dev.hindsight.bench.httpref;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * Netty 4.2 on native (edge-triggered) epoll serving only the single append, in one of two forms: with Netty's own
 * HTTP/1.1 codec and aggregator ({@link Codec}, what a product would use), or with no codec at all ({@link Raw}: the
 * request's header is searched for its end and its {@code Content-Length}, and the answer is written as one buffer of
 * prepared bytes), which is about the least any HTTP server can do per request. The answer is written from the thread
 * that completed the append (Netty hands it to the connection's event loop). No metrics, access checks or error JSON.
 */
final class NettyRef implements RefServer {
    private static final int MAX_BODY = 64 * 1024;

    private final EventLoopGroup group;
    private final Channel listener;

    /**
     * @param raw no HTTP codec: {@link Raw} instead of {@link Codec}
     * @param threads the event loops (one serves the listener and connections alike)
     */
    NettyRef(int port, int threads, boolean raw, RefStore store) throws InterruptedException {
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("native epoll is not available", Epoll.unavailabilityCause());
        }
        HttpDate date = new HttpDate();
        group = new MultiThreadIoEventLoopGroup(threads, EpollIoHandler.newFactory());
        listener = new ServerBootstrap()
                .group(group)
                .channel(EpollServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (raw) {
                            ch.pipeline().addLast(new Raw(store, date));
                        } else {
                            ch.pipeline()
                                    .addLast(new HttpServerCodec())
                                    .addLast(new HttpObjectAggregator(MAX_BODY))
                                    .addLast(new Codec(store, date));
                        }
                    }
                })
                .bind("127.0.0.1", port)
                .sync()
                .channel();
    }

    @Override
    public void stop() throws InterruptedException {
        listener.close().sync();
        group.shutdownGracefully().sync();
    }

    /** Behind Netty's {@link HttpServerCodec} and {@link HttpObjectAggregator}: one full request at a time. */
    private static final class Codec extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final RefStore store;
        private final HttpDate date;

        Codec(RefStore store, HttpDate date) {
            this.store = store;
            this.date = date;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
            String id = "POST".equals(request.method().name())
                    ? AppendPath.aggregateId(new QueryStringDecoder(request.uri()).rawPath())
                    : null;
            if (id == null) {
                ctx.writeAndFlush(response(404, new byte[0]));
                return;
            }
            byte[] body = ByteBufUtil.getBytes(request.content());
            store.append(id, request.headers().get("Expected-Version"), body).whenComplete((answer, failure) -> {
                if (failure != null) {
                    ctx.writeAndFlush(response(500, failure.toString().getBytes(StandardCharsets.UTF_8)));
                } else {
                    ctx.writeAndFlush(response(201, answer));
                }
            });
        }

        /** Date, Content-Type, Content-Length in {@code serve}'s order and spelling. */
        private FullHttpResponse response(int status, byte[] body) {
            FullHttpResponse r = new DefaultFullHttpResponse(
                    HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), Unpooled.wrappedBuffer(body));
            r.headers()
                    .set("Date", date.now())
                    .set("Content-Type", "application/json")
                    .set("Content-Length", body.length);
            return r;
        }
    }

    /**
     * No codec: the bytes read are kept until a request's header ({@code \r\n\r\n}) and its {@code Content-Length}
     * body are in, the request line's method and path and the {@code Expected-Version} header are taken, and the
     * answer goes out as one buffer. HTTP/1.1 keep-alive only, no chunked bodies, no pipelining (wrk sends one request
     * per connection at a time): enough for the bench's wrk script, not a server.
     */
    private static final class Raw extends io.netty.channel.ChannelInboundHandlerAdapter {
        private static final byte[] CREATED = "HTTP/1.1 201 Created\r\nDate: ".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] TYPE_LENGTH =
                "\r\nContent-Type: application/json\r\nContent-Length: ".getBytes(StandardCharsets.US_ASCII);
        private static final byte[] END = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

        private final RefStore store;
        private final HttpDate date;
        private @Nullable ByteBuf pending;

        Raw(RefStore store, HttpDate date) {
            this.store = store;
            this.date = date;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            ByteBuf buf;
            if (pending == null) {
                buf = in;
            } else {
                buf = pending.writeBytes(in);
                in.release();
            }
            pending = null;
            while (buf.isReadable()) {
                int headerEnd = headerEnd(buf);
                if (headerEnd < 0) {
                    break;
                }
                String header =
                        buf.toString(buf.readerIndex(), headerEnd - buf.readerIndex(), StandardCharsets.ISO_8859_1);
                int length = contentLength(header);
                int bodyStart = headerEnd + END.length;
                if (length < 0 || length > MAX_BODY) {
                    buf.release();
                    ctx.close();
                    return;
                }
                if (buf.writerIndex() - bodyStart < length) {
                    break;
                }
                byte[] body = new byte[length];
                buf.getBytes(bodyStart, body);
                buf.readerIndex(bodyStart + length);
                serve(ctx, header, body);
            }
            if (buf.isReadable()) {
                pending = ctx.alloc().buffer(buf.readableBytes() + 4096).writeBytes(buf);
            }
            buf.release();
        }

        private void serve(ChannelHandlerContext ctx, String header, byte[] body) {
            int lineEnd = header.indexOf("\r\n");
            String line = lineEnd < 0 ? header : header.substring(0, lineEnd);
            int sp1 = line.indexOf(' ');
            int sp2 = line.indexOf(' ', sp1 + 1);
            String id = sp1 > 0 && sp2 > sp1 && line.startsWith("POST ")
                    ? AppendPath.aggregateId(line.substring(sp1 + 1, sp2))
                    : null;
            if (id == null) {
                ctx.writeAndFlush(Unpooled.wrappedBuffer(
                        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
                return;
            }
            store.append(id, headerValue(header, "expected-version"), body).whenComplete((answer, failure) -> {
                if (failure != null) {
                    byte[] text = failure.toString().getBytes(StandardCharsets.UTF_8);
                    ctx.writeAndFlush(Unpooled.wrappedBuffer(
                            ("HTTP/1.1 500 Server Error\r\nContent-Length: " + text.length + "\r\n\r\n")
                                    .getBytes(StandardCharsets.US_ASCII),
                            text));
                } else {
                    ctx.writeAndFlush(created(ctx, answer));
                }
            });
        }

        private ByteBuf created(ChannelHandlerContext ctx, byte[] answer) {
            byte[] now = date.now().getBytes(StandardCharsets.US_ASCII);
            byte[] length = Integer.toString(answer.length).getBytes(StandardCharsets.US_ASCII);
            return ctx.alloc()
                    .buffer(CREATED.length
                            + now.length
                            + TYPE_LENGTH.length
                            + length.length
                            + END.length
                            + answer.length)
                    .writeBytes(CREATED)
                    .writeBytes(now)
                    .writeBytes(TYPE_LENGTH)
                    .writeBytes(length)
                    .writeBytes(END)
                    .writeBytes(answer);
        }

        /** The index of the {@code \r\n\r\n} that ends the readable bytes' first header, -1 if not there yet. */
        private static int headerEnd(ByteBuf buf) {
            for (int i = buf.readerIndex(), last = buf.writerIndex() - END.length; i <= last; i++) {
                if (buf.getByte(i) == '\r'
                        && buf.getByte(i + 1) == '\n'
                        && buf.getByte(i + 2) == '\r'
                        && buf.getByte(i + 3) == '\n') {
                    return i;
                }
            }
            return -1;
        }

        /** The declared body length; 0 without the header, -1 when it is not a number. */
        private static int contentLength(String header) {
            String v = headerValue(header, "content-length");
            if (v == null) {
                return 0;
            }
            try {
                return Integer.parseInt(v);
            } catch (NumberFormatException e) {
                return -1;
            }
        }

        private static @Nullable String headerValue(String header, String lowerName) {
            int at = 0;
            while ((at = header.indexOf("\r\n", at)) >= 0) {
                at += 2;
                int colon = header.indexOf(':', at);
                int end = header.indexOf("\r\n", at);
                if (end < 0) {
                    end = header.length();
                }
                if (colon > at
                        && colon < end
                        && header.regionMatches(true, at, lowerName, 0, lowerName.length())
                        && colon - at == lowerName.length()) {
                    return header.substring(colon + 1, end).trim();
                }
            }
            return null;
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (pending != null) {
                pending.release();
                pending = null;
            }
            ctx.fireChannelInactive();
        }
    }
}
