package io.github.pager.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * One run of the {@code pager} command in this JVM, with what it printed; {@link #json()} reads
 * stdout with a real JSON parser, as a script would, and {@link #result()} the report inside the
 * envelope every command's JSON shares.
 *
 * @param code the exit code
 * @param out what went to stdout
 * @param err what went to stderr
 */
record CommandRun(int code, String out, String err) {
  private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  static CommandRun of(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    return new CommandRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** Stdout parsed as one JSON document; a parse failure fails the test with the text. */
  JsonNode json() {
    try {
      return JSON.readTree(out);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + out, e);
    }
  }

  /**
   * The {@code result} of a JSON envelope whose {@code exitCode} is the run's exit code and whose
   * {@code ok} says whether that code is 0; fails when stdout is anything else.
   */
  JsonNode result() {
    JsonNode envelope = json();
    if (envelope.path("exitCode").asInt(-1) != code || envelope.path("ok").asBoolean(code != 0) != (code == 0)
        || !envelope.path("result").isObject()) {
      throw new AssertionError("not a result envelope for exit code " + code + ": " + out);
    }
    return envelope.get("result");
  }
}
