package dev.hindsight.relay.rabbitmq.internal;

import com.rabbitmq.stream.Codec;
import com.rabbitmq.stream.Message;
import com.rabbitmq.stream.MessageBuilder;

/**
 * The stream client's codec for the relay's producer: passes the bytes of an {@link EventMessage} through as they are
 * (the message is encoded once, when the relay sends it). Publishing only: the relay never decodes or builds other
 * messages. Thread-safe (stateless).
 */
public final class PreEncodedCodec implements Codec {
    @Override
    public EncodedMessage encode(Message message) {
        if (!(message instanceof EventMessage m)) {
            throw new IllegalArgumentException("not an EventMessage: " + message.getClass());
        }
        byte[] bytes = m.encoded();
        return new EncodedMessage(bytes.length, bytes);
    }

    /** @throws UnsupportedOperationException always: the relay only publishes */
    @Override
    public Message decode(byte[] data) {
        throw new UnsupportedOperationException("the relay's codec only encodes");
    }

    /** @throws UnsupportedOperationException always: the relay sends {@link EventMessage}s */
    @Override
    public MessageBuilder messageBuilder() {
        throw new UnsupportedOperationException("the relay sends EventMessages");
    }
}
