package io.canarybalancer.balancer.proxy;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.timeout.IdleStateHandler;

import java.util.concurrent.TimeUnit;

/** The pipeline of a backend connection: idle timer, HTTP client codec, {@link BackendHandler}. */
@ChannelHandler.Sharable
final class BackendInitializer extends ChannelInitializer<Channel> {
    static final String IDLE = "idle";
    static final String CODEC = "codec";
    static final String HANDLER = "backend";

    private final ProxySettings settings;

    BackendInitializer(ProxySettings settings) {
        this.settings = settings;
    }

    @Override
    protected void initChannel(Channel channel) {
        channel.pipeline()
                .addLast(IDLE, new IdleStateHandler(settings.backendIdleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS))
                .addLast(CODEC, new HttpClientCodec(new HttpDecoderConfig()
                        .setMaxInitialLineLength(settings.maxInitialLineLength())
                        .setMaxHeaderSize(settings.maxHeaderSize()),
                        HttpClientCodec.DEFAULT_PARSE_HTTP_AFTER_CONNECT_REQUEST,
                        HttpClientCodec.DEFAULT_FAIL_ON_MISSING_RESPONSE))
                .addLast(HANDLER, new BackendHandler());
    }
}
