package io.opentalking.controlplane.store.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/** Runs one command or script with a deadline, turning every failure into the caller's exception type. */
final class RedisCalls {
    /** Any failure of a Redis call: not connected, timed out, or an error reply. */
    static final class Failure extends Exception {
        Failure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final RedisConnections connections;

    RedisCalls(RedisConnections connections) {
        this.connections = connections;
    }

    <T> T call(Function<RedisAsyncCommands<String, String>, CompletionStage<T>> command, Duration timeout)
            throws Failure {
        return await(dispatch(command), timeout);
    }

    /** Sends a command without waiting; fails at once when not connected. */
    <T> java.util.concurrent.CompletableFuture<T> dispatch(
            Function<RedisAsyncCommands<String, String>, CompletionStage<T>> command) throws Failure {
        RedisAsyncCommands<String, String> async = connections.commands()
                .orElseThrow(() -> new Failure("not connected to Redis", null)).async();
        try {
            // Dispatch itself can throw (e.g. "cannot be started once stopped" once the client is shut down).
            return command.apply(async).toCompletableFuture();
        } catch (RuntimeException e) {
            throw new Failure("Redis call failed: " + e.getMessage(), e);
        }
    }

    /** Waits for a dispatched command; the caller's timeout, not the command's, bounds the wait. */
    static <T> T await(java.util.concurrent.CompletableFuture<T> f, Duration timeout) throws Failure {
        try {
            return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new Failure("Redis did not answer within " + timeout.toMillis() + " ms", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("interrupted", e);
        } catch (ExecutionException e) {
            throw new Failure("Redis call failed: " + e.getCause().getMessage(), e.getCause());
        } catch (RuntimeException e) {
            throw new Failure("Redis call failed: " + e.getMessage(), e);
        }
    }

    /** EVALSHA, loading the script once more if Redis forgot it (after a restart). */
    <T> T script(Script script, ScriptOutputType type, String[] keys, String[] args, Duration timeout)
            throws Failure {
        try {
            return call(c -> c.<T>evalsha(script.sha(), type, keys, args), timeout);
        } catch (Failure e) {
            if (!(e.getCause() instanceof RedisNoScriptException)) {
                throw e;
            }
            return call(c -> c.<T>eval(script.body(), type, keys, args), timeout);
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
