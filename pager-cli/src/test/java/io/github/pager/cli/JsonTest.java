package io.github.pager.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.pager.allocator.SubPageAllocator;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JSON the commands print, read back by a real parser. */
class JsonTest {
  private static final ObjectMapper PARSER = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void integersBeyondTwoToTheFiftyThreeAreStringsSoNoReaderRoundsThem() throws IOException {
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("exact", Json.MAX_EXACT);
    values.put("negative", -Json.MAX_EXACT);
    values.put("beyond", Json.MAX_EXACT + 1);
    values.put("config", 0x5355425000000c08L);
    values.put("below", -Json.MAX_EXACT - 1);
    values.put("list", List.of(Long.MAX_VALUE, 7, "text \"quoted\"\n", true, 0.625));
    JsonNode parsed = PARSER.readTree(Json.of(values));
    assertThat(parsed.get("exact").isNumber()).isTrue();
    assertThat(parsed.get("exact").asLong()).isEqualTo(1L << 53);
    assertThat(parsed.get("negative").isNumber()).isTrue();
    assertThat(parsed.get("beyond").isTextual()).as("2^53 + 1 written as a string: %s", parsed).isTrue();
    assertThat(parsed.get("beyond").asText()).isEqualTo(Long.toString((1L << 53) + 1));
    assertThat(parsed.get("config").asText()).isEqualTo("6004778589533244424");
    assertThat(parsed.get("below").asText()).isEqualTo(Long.toString(-(1L << 53) - 1));
    JsonNode list = parsed.get("list");
    assertThat(list.get(0).asText()).isEqualTo(Long.toString(Long.MAX_VALUE));
    assertThat(list.get(1).asInt()).isEqualTo(7);
    assertThat(list.get(2).asText()).isEqualTo("text \"quoted\"\n");
    assertThat(list.get(3).asBoolean()).isTrue();
    assertThat(list.get(4).asDouble()).isEqualTo(0.625);
  }

  @Test
  void infoShowsAConfigurationRootValueAsAStringOfItsExactDigits() throws IOException {
    Path file = dir.resolve("config.pages");
    long config;
    try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
      SubPageAllocator.open(pager, 4, 128).alloc();
      config = pager.root(4);
    }
    assertThat(config).isGreaterThan(Json.MAX_EXACT);
    CommandRun run = CommandRun.of("info", "--json", file.toString());
    assertThat(run.code()).as(run.err()).isZero();
    JsonNode root = run.result().get("roots").get("4");
    assertThat(root.isTextual()).as("the configuration value written as a string: %s", root).isTrue();
    assertThat(Long.parseLong(root.asText())).isEqualTo(config);
  }
}
