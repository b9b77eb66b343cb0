package io.opentalking.controlplane.store.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.opentalking.controlplane.faults.StoreException;
import io.opentalking.controlplane.faults.StoreReplyException;
import io.opentalking.controlplane.faults.StoreTimeoutException;
import io.opentalking.controlplane.faults.StoreUnavailableException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Runs one command or script with a deadline, turning every failure into a {@link StoreException} that names the
 * store and the operation ({@code what}).
 */
final class RedisCalls {
    private final RedisConnections connections;
    private final String store;

    RedisCalls(RedisConnections connections) {
        this.connections = connections;
        this.store = connections.config().describe();
    }

    /** The store's name for messages (no password). */
    String store() {
        return store;
    }

    <T> T call(String what, Function<RedisAsyncCommands<String, String>, CompletionStage<T>> command,
               Duration timeout) {
        return await(what, dispatch(what, command), timeout);
    }

    /** Sends a command without waiting; fails at once when not connected. */
    <T> CompletableFuture<T> dispatch(String what,
                                      Function<RedisAsyncCommands<String, String>, CompletionStage<T>> command) {
        RedisAsyncCommands<String, String> async = connections.commands()
                .orElseThrow(() -> StoreUnavailableException.notConnected(store, what)).async();
        try {
            // Dispatch itself can throw (e.g. "cannot be started once stopped" once the client is shut down).
            return command.apply(async).toCompletableFuture();
        } catch (RuntimeException e) {
            throw StoreUnavailableException.failed(store, what, e);
        }
    }

    /** Waits for a dispatched command; the caller's timeout, not the command's, bounds the wait. */
    <T> T await(String what, CompletableFuture<T> f, Duration timeout) {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw StoreTimeoutException.after(store, what, timeout, e);
        } catch (InterruptedException e) {
            throw StoreUnavailableException.interrupted(store, what, e);
        } catch (ExecutionException e) {
            throw classify(what, e.getCause(), timeout);
        } catch (RuntimeException e) {
            throw classify(what, e, timeout);
        }
    }

    private StoreException classify(String what, Throwable cause, Duration timeout) {
        return switch (cause) {
            case StoreException s -> s;
            case RedisCommandTimeoutException t -> StoreTimeoutException.after(store, what, timeout, t);
            case RedisCommandExecutionException x -> StoreReplyException.errorReply(store, what, x);
            default -> StoreUnavailableException.failed(store, what, cause);
        };
    }

    /** EVALSHA, loading the script once more if Redis forgot it (after a restart). */
    <T> T script(String what, Script script, ScriptOutputType type, String[] keys, String[] args, Duration timeout) {
        try {
            return call(what, c -> c.<T>evalsha(script.sha(), type, keys, args), timeout);
        } catch (StoreException e) {
            if (!(e.getCause() instanceof RedisNoScriptException)) {
                throw e;
            }
            return call(what, c -> c.<T>eval(script.body(), type, keys, args), timeout);
        }
    }

    /** A Lua script from the classpath and its SHA-1. */
    record Script(String body, String sha) {
        static Script load(String resource) {
            try (InputStream in = RedisCalls.class.getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("missing script " + resource);
                }
                String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                byte[] d = MessageDigest.getInstance("SHA-1").digest(body.getBytes(StandardCharsets.UTF_8));
                return new Script(body, HexFormat.of().formatHex(d));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
