package io.github.pager.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The one shape of every command's {@code --json} output, so that a script reads any command,
 * and any failure, the same way. README.md ("JSON output") documents it; {@code
 * JsonSchemaTest} runs every command against it.
 *
 * <pre>
 * Report --&gt; {"schemaVersion": 1, "command": NAME, "ok": BOOLEAN, "exitCode": CODE, Outcome}
 * Outcome --&gt; "result": {the command's own keys} | "error": {"kind": KIND, "message": TEXT, "path": PATH|null}
 * </pre>
 *
 * <p>{@code ok} is {@code exitCode == 0}. A command that ran to its report has {@code result},
 * also when the report finds problems ({@code verify} exits 1, a repair that does not verify
 * exits 5); one that could not (a missing file, a bad option, a writer's lock) has {@code error}
 * instead, never both. The exit code is the one the command returns, as without {@code --json}.
 */
final class JsonEnvelope {
  /** Raised when a key is renamed or removed, or changes its meaning; new keys do not raise it. */
  static final int SCHEMA_VERSION = 1;

  private JsonEnvelope() {}

  /** The report of a command that ran to its end, with the keys of its own {@code result}. */
  static String result(String command, int exitCode, Map<String, Object> result) {
    Map<String, Object> json = head(command, exitCode);
    json.put("result", result);
    return Json.of(json);
  }

  /**
   * The report of a command that could not run to its end.
   *
   * @param kind what went wrong, as one word ({@link Failures#kind}, or {@code usage})
   * @param message the line a person reads on stderr, without the command's prefix
   * @param path the path the failure is about, or null when it is about none (a bad option)
   */
  static String error(String command, int exitCode, String kind, String message, @Nullable String path) {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("kind", kind);
    error.put("message", message);
    error.put("path", Optional.ofNullable(path));
    Map<String, Object> json = head(command, exitCode);
    json.put("error", error);
    return Json.of(json);
  }

  private static Map<String, Object> head(String command, int exitCode) {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("schemaVersion", SCHEMA_VERSION);
    json.put("command", command);
    json.put("ok", exitCode == ExitCode.OK);
    json.put("exitCode", exitCode);
    return json;
  }
}
