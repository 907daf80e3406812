package io.github.pager.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.pager.core.PageFileInspection;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every command's {@code --json} output, read with a real parser against the one envelope README
 * documents ({@link JsonEnvelope}): a run that succeeds and one that fails, for each command the
 * tool has. A command added without JSON, or without runs here, fails {@link
 * #everyCommandHasJsonAndRunsHere}.
 */
class JsonSchemaTest {
  /** Commands whose output is text by nature, for a person or a shell. */
  private static final Set<String> TEXT_ONLY = Set.of("help", "generate-completion");

  private static final Set<String> ENVELOPE_OF_A_RESULT = Set.of("schemaVersion", "command", "ok", "exitCode", "result");
  private static final Set<String> ENVELOPE_OF_AN_ERROR = Set.of("schemaVersion", "command", "ok", "exitCode", "error");
  private static final Set<String> ERROR_KINDS = Set.of("usage", "notFound", "notAPageFile", "unsupportedFormatVersion",
      "corrupt", "locked", "refused", "stale", "exists", "permissionDenied", "ioError", "failed");

  /** camelCase keys; a key of digits only is a root slot ({@code roots}). */
  private static final Pattern KEY = Pattern.compile("[a-z][a-zA-Z0-9]*|[0-9]+");

  /** Objects whose keys are data (root slots, owner kinds), not names of fields. */
  private static final Set<String> DICTIONARIES = Set.of("roots", "pagesByOwner");

  @TempDir Path dir;

  private KnownContentFile file;
  private Path foreign;

  @BeforeEach
  void files() throws IOException {
    file = KnownContentFile.build(dir.resolve("known.pages"));
    foreign = Files.writeString(dir.resolve("notes.txt"), "not a page file".repeat(400));
  }

  /**
   * A run of one command with {@code --json}, and what it must give.
   *
   * @param args the command line, {@code --json} included
   * @param exitCode the exit code it must have, the same as without {@code --json}
   * @param errorKind the {@code error.kind} it must report, or null when it runs to a result
   * @param errorPath the {@code error.path} it must name, or null when none
   */
  private record Run(List<String> args, int exitCode, @Nullable String errorKind, @Nullable String errorPath) {
    static Run ok(String... args) {
      return new Run(List.of(args), ExitCode.OK, null, null);
    }

    static Run result(int exitCode, String... args) {
      return new Run(List.of(args), exitCode, null, null);
    }

    static Run error(int exitCode, String kind, @Nullable Path path, String... args) {
      return new Run(List.of(args), exitCode, kind, path == null ? null : path.toString());
    }

    String command() {
      return args.getFirst();
    }
  }

  /** At least one run that succeeds and one that fails, for each command. */
  private List<Run> runs() throws IOException {
    String known = file.path.toString();
    Path missing = dir.resolve("missing.pages");
    Path copy = dir.resolve("copy.pages");
    Path rollbackFile = Files.copy(file.path, dir.resolve("rollback.pages"));
    Path damaged = Files.copy(file.path, dir.resolve("damaged.pages"));
    int alternate = 3 - PageFileInspection.inspect(damaged).activeSlot();
    flip(damaged, alternate * 4096L + 24);
    // A node of the protected pages' directory, which both copies' commits use: their trees
    // verify, their structures do not (structuresVerified false, and a note in the actions).
    Path structureDamaged = Files.copy(file.path, dir.resolve("structure-damaged.pages"));
    flip(structureDamaged, file.directoryNodes.iterator().next() * 4096L + 100);
    List<Run> runs = new ArrayList<>();
    runs.add(Run.ok("demo", "--json", dir.resolve("demo").toString()));
    runs.add(Run.error(ExitCode.EXISTS, "exists", foreign, "demo", "--json", foreign.toString()));
    runs.add(Run.ok("info", "--json", known));
    runs.add(Run.error(ExitCode.NOT_FOUND, "notFound", missing, "info", "--json", missing.toString()));
    runs.add(Run.ok("verify", "--json", known));
    runs.add(Run.result(ExitCode.PROBLEMS, "verify", "--json", damaged.toString()));
    runs.add(Run.error(ExitCode.NOT_A_PAGE_FILE, "notAPageFile", dir, "verify", "--json", dir.toString()));
    runs.add(Run.ok("dump", "--json", known, "0"));
    runs.add(Run.ok("dump", "--json", known, "1"));
    runs.add(Run.ok("dump", "--json", known, Long.toString(file.userPages.getFirst())));
    runs.add(Run.error(ExitCode.USAGE, "usage", null, "dump", "--json", known, "999999"));
    runs.add(Run.error(ExitCode.NOT_A_PAGE_FILE, "notAPageFile", foreign, "dump", "--json", foreign.toString(), "0"));
    runs.add(Run.ok("stats", "--json", known));
    runs.add(Run.error(ExitCode.NOT_A_PAGE_FILE, "notAPageFile", foreign, "stats", "--json", foreign.toString()));
    runs.add(Run.ok("pages", "--json", "--from", "0", "--count", "5", known));
    runs.add(Run.error(ExitCode.USAGE, "usage", null, "pages", "--json", "--count", "0", known));
    runs.add(Run.ok("copy", "--json", known, copy.toString()));
    runs.add(Run.error(ExitCode.EXISTS, "exists", foreign, "copy", "--json", known, foreign.toString()));
    runs.add(Run.ok("recover", "--json", "--dry-run", known));
    runs.add(Run.ok("recover", "--json", "--dry-run", structureDamaged.toString()));
    runs.add(Run.error(ExitCode.NOT_FOUND, "notFound", missing, "recover", "--json", missing.toString()));
    runs.add(Run.ok("rollback", "--json", "--in-place", rollbackFile.toString()));
    // Rolled back once, the two copies hold one commit: a second rollback is refused.
    runs.add(Run.error(ExitCode.PROBLEMS, "refused", rollbackFile, "rollback", "--json", "--in-place",
        rollbackFile.toString()));
    runs.add(Run.ok("compact", "--json", Files.copy(file.path, dir.resolve("compact.pages")).toString()));
    runs.add(Run.error(ExitCode.NOT_FOUND, "notFound", missing, "compact", "--json", missing.toString()));
    runs.add(Run.ok("bench", "--json", "--rounds", "10", dir.resolve("bench").toString()));
    runs.add(Run.error(ExitCode.USAGE, "usage", null, "bench", "--json", "--rounds", "1"));
    return runs;
  }

  @Test
  void everyCommandHasJsonAndRunsHere() throws IOException {
    Set<String> covered = new TreeSet<>();
    Set<String> failing = new TreeSet<>();
    for (Run run : runs()) {
      covered.add(run.command());
      if (run.exitCode() != ExitCode.OK) {
        failing.add(run.command());
      }
    }
    CommandLine pager = new CommandLine(new PagerCommand());
    for (Map.Entry<String, CommandLine> command : pager.getSubcommands().entrySet()) {
      String name = command.getKey();
      if (TEXT_ONLY.contains(name)) {
        continue;
      }
      assertThat(command.getValue().getCommandSpec().findOption("--json"))
          .as("pager %s has --json (a @Mixin JsonOption)", name).isNotNull();
      assertThat(covered).as("add a run of 'pager %s --json' that succeeds to JsonSchemaTest.runs()", name).contains(name);
      assertThat(failing).as("add a run of 'pager %s --json' that fails to JsonSchemaTest.runs()", name).contains(name);
    }
  }

  @Test
  void everyRunPrintsOneEnvelopeWithTheExitCodeOfTheTextRun() throws IOException {
    Map<String, Map<String, Set<String>>> typesByKey = new TreeMap<>();
    for (Run run : runs()) {
      CommandRun json = CommandRun.of(run.args().toArray(String[]::new));
      String what = String.join(" ", run.args()) + "\nstdout: " + json.out() + "\nstderr: " + json.err();
      assertThat(json.code()).as(what).isEqualTo(run.exitCode());
      JsonNode envelope = json.json();
      assertThat(envelope.get("schemaVersion").asInt()).as(what).isEqualTo(JsonEnvelope.SCHEMA_VERSION);
      assertThat(envelope.get("command").asText()).as(what).isEqualTo(run.command());
      assertThat(envelope.get("ok").isBoolean()).as(what).isTrue();
      assertThat(envelope.get("ok").asBoolean()).as(what).isEqualTo(run.exitCode() == ExitCode.OK);
      assertThat(envelope.get("exitCode").asInt()).as(what).isEqualTo(run.exitCode());
      if (run.errorKind() == null) {
        assertThat(names(envelope)).as(what).isEqualTo(ENVELOPE_OF_A_RESULT);
        assertThat(envelope.get("result").isObject()).as(what).isTrue();
      } else {
        assertThat(names(envelope)).as(what).isEqualTo(ENVELOPE_OF_AN_ERROR);
        JsonNode error = envelope.get("error");
        assertThat(names(error)).as(what).containsExactlyInAnyOrder("kind", "message", "path");
        assertThat(error.get("kind").asText()).as(what).isIn(ERROR_KINDS).isEqualTo(run.errorKind());
        assertThat(error.get("message").asText()).as(what).isNotBlank();
        assertThat(json.err()).as("the line for a person stays on stderr: " + what).contains(error.get("message").asText());
        if (run.errorPath() == null) {
          assertThat(error.get("path").isNull()).as(what).isTrue();
        } else {
          assertThat(error.get("path").asText()).as(what).isEqualTo(run.errorPath());
          assertThat(error.get("message").asText()).as("the message names the path: " + what).contains(run.errorPath());
        }
      }
      walk(envelope, "", typesByKey, run.command(), what);
    }
    // One name, one meaning: a key holds the same type of value in every command (null aside).
    typesByKey.forEach((key, types) -> {
      Set<String> all = new TreeSet<>();
      types.values().forEach(all::addAll);
      assertThat(all).as("key %s in %s", key, types).hasSize(1);
    });
  }

  @Test
  void theFileAndItsFiguresHaveTheSameKeysInInfoVerifyStatsPagesAndDump() {
    String known = file.path.toString();
    Map<String, JsonNode> results = new LinkedHashMap<>();
    for (String command : List.of("info", "verify", "stats", "pages", "dump")) {
      CommandRun run = command.equals("dump")
          ? CommandRun.of(command, "--json", known, "3")
          : CommandRun.of(command, "--json", known);
      results.put(command, run.result());
    }
    JsonNode info = Objects.requireNonNull(results.get("info"));
    JsonNode verify = Objects.requireNonNull(results.get("verify"));
    results.forEach((command, result) -> {
      assertThat(result.get("file").asText()).as(command).isEqualTo(known);
      assertThat(result.get("pageSize").asInt()).as(command).isEqualTo(4096);
      assertThat(result.get("generation").asLong()).as(command).isEqualTo(file.generation);
      assertThat(result.get("writerLive").asBoolean()).as(command).isFalse();
    });
    results.forEach((command, result) -> {
      if (!command.equals("dump")) {
        assertThat(result.get("pageCount").asLong()).as(command).isEqualTo(file.pageCount);
      }
    });
    // The known structures: kinds and figures as fields, the same in info and verify.
    JsonNode structures = info.get("structures");
    assertThat(structures).isEqualTo(verify.get("structures"));
    assertThat(structures.get(0).get("kind").asText()).isEqualTo("subPageAllocator");
    assertThat(structures.get(0).get("firstSlot").asInt()).isEqualTo(KnownContentFile.SUB_PAGES_SLOT);
    assertThat(structures.get(0).get("subPageSize").asInt()).isEqualTo(128);
    assertThat(structures.get(0).get("inUse").asInt()).isEqualTo(40);
    assertThat(structures.get(1).get("kind").asText()).isEqualTo("protectedPages");
    assertThat(structures.get(1).get("inUse").asInt()).isEqualTo(2);
    assertThat(structures.get(1).get("name").asText()).isEqualTo("protected pages at slots 12-16");
    for (String count : List.of("freePageCount", "pendingPages", "pendingListPages")) {
      assertThat(info.get(count)).as(count).isEqualTo(verify.get(count));
    }
    // The sub-page allocator's configuration value, beyond 2^53 (the walk of every run checks
    // that no integer is), as a string of its digits.
    JsonNode roots = info.get("roots");
    assertThat(roots.get(Integer.toString(KnownContentFile.SUB_PAGES_SLOT)).isTextual()).as(roots.toString()).isTrue();
  }

  @Test
  void aBadOptionOfAnyCommandIsAUsageErrorInJson() {
    CommandLine pager = new CommandLine(new PagerCommand());
    for (String name : pager.getSubcommands().keySet()) {
      if (TEXT_ONLY.contains(name)) {
        continue; // picocli's help commands ignore what they do not know, and print their text
      }
      CommandRun run = CommandRun.of(name, "--json", "--no-such-option");
      assertThat(run.code()).as(name).isEqualTo(ExitCode.USAGE);
      JsonNode envelope = run.json();
      assertThat(envelope.get("command").asText()).isEqualTo(name);
      assertThat(envelope.get("error").get("kind").asText()).isEqualTo("usage");
      assertThat(envelope.get("error").get("path").isNull()).isTrue();
    }
    CommandRun none = CommandRun.of("--json");
    assertThat(none.code()).isEqualTo(ExitCode.USAGE);
    assertThat(none.json().get("command").asText()).isEqualTo("pager");
    assertThat(CommandRun.of("--no-such-option").out()).as("no JSON unless asked for").isEmpty();
  }

  @Test
  void aFileNamedLikeTheOptionAfterADoubleDashIsAFileNotJson() {
    CommandRun run = CommandRun.of("info", "--", "--json");
    assertThat(run.code()).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).isEqualTo("pager info: no such file: --json" + System.lineSeparator());
  }

  @Test
  void aCorruptFileIsAnErrorNamingTheFileItRead() throws IOException {
    Path corrupt = Files.copy(file.path, dir.resolve("corrupt.pages"));
    flip(corrupt, 4096 + 24);
    flip(corrupt, 2 * 4096 + 24);
    for (String command : List.of("info", "verify", "stats", "pages", "copy")) {
      CommandRun run = command.equals("copy")
          ? CommandRun.of(command, "--json", corrupt.toString(), dir.resolve("never.pages").toString())
          : CommandRun.of(command, "--json", corrupt.toString());
      assertThat(run.code()).as(command).isEqualTo(ExitCode.CORRUPT);
      if (command.equals("verify")) {
        // verify runs to its report: the damage is what it found.
        assertThat(run.result().get("problems").size()).isPositive();
        continue;
      }
      JsonNode error = run.json().get("error");
      assertThat(error.get("kind").asText()).as(command).isEqualTo("corrupt");
      assertThat(error.get("path").asText()).as(command).isEqualTo(corrupt.toString());
    }
  }

  private static Set<String> names(JsonNode object) {
    Set<String> names = new TreeSet<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  /** Checks every key's spelling and records the type of value each key holds, by command. */
  private static void walk(
      JsonNode node, String path, Map<String, Map<String, Set<String>>> typesByKey, String command, String what) {
    if (node.isObject()) {
      for (Map.Entry<String, JsonNode> field : node.properties()) {
        String key = field.getKey();
        assertThat(key).as("a camelCase key at %s: %s", path, what).matches(KEY);
        JsonNode value = field.getValue();
        boolean data = DICTIONARIES.stream().anyMatch(dictionary -> path.endsWith("." + dictionary));
        if (!value.isNull() && !data) {
          typesByKey.computeIfAbsent(key, k -> new TreeMap<>())
              .computeIfAbsent(command, c -> new TreeSet<>()).add(value.getNodeType().name());
        }
        walk(value, path + "." + key, typesByKey, command, what);
      }
    } else if (node.isArray()) {
      for (JsonNode element : node) {
        walk(element, path + "[]", typesByKey, command, what);
      }
    } else if (node.isIntegralNumber()) {
      assertThat(Math.abs(node.asLong())).as("an integer beyond 2^53 at %s: %s", path, what)
          .isLessThanOrEqualTo(Json.MAX_EXACT);
    }
  }

  private static void flip(Path path, long offset) throws IOException {
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      channel.read(one, offset);
      one.put(0, (byte) ~one.get(0));
      one.rewind();
      channel.write(one, offset);
    }
  }

  /** Keeps a writer's lock for the locked case of recover, in this JVM. */
  @Test
  void aFileAWriterHoldsIsALockedErrorForTheRepairs() throws IOException {
    try (Pager writer = Pager.open(file.path, PagerOptions.defaults())) {
      for (String command : List.of("recover", "rollback")) {
        CommandRun run = CommandRun.of(command, "--json", file.path.toString());
        assertThat(run.code()).as(command).isEqualTo(ExitCode.LOCKED);
        assertThat(run.json().get("error").get("kind").asText()).isEqualTo("locked");
        assertThat(run.json().get("error").get("path").asText()).isEqualTo(file.path.toString());
      }
      writer.alloc();
    }
  }
}
