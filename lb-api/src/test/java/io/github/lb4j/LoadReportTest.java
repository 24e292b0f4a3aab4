package io.github.lb4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

final class LoadReportTest {

  @Test
  void parse_textForm_readsEveryField() {
    LoadReport r =
        LoadReport.parse(
            "TEXT cpu_utilization=0.3, rps_fractional=10, eps=0.1, named_metrics.queue=5,"
                + " application_utilization=0.4,mem_utilization:0.9, utilization.total=0.5");
    assertEquals(0.3, r.cpuUtilization());
    assertEquals(0.4, r.applicationUtilization());
    assertEquals(0.9, r.memUtilization());
    assertEquals(10, r.rps());
    assertEquals(0.1, r.eps());
    assertEquals(Map.of("queue", 5.0), r.namedMetrics());
    assertEquals(Map.of("total", 0.5), r.utilization());
    assertEquals(5.0, r.namedMetric("queue"));
    assertEquals(-1.0, r.namedMetric("absent"));
  }

  @Test
  void parse_unknownName_isSkipped() {
    LoadReport r =
        LoadReport.parse("TEXT cpu_utilization=0.5, some_future_field=3, rps_fractional=2");
    assertEquals(LoadReport.of(0.5, 2, 0), r);
  }

  @Test
  void parse_emptyBody_isAnEmptyReport() {
    assertEquals(LoadReport.of(0, 0, 0), LoadReport.parse("TEXT"));
    assertEquals(LoadReport.of(0, 0, 0), LoadReport.parse("  TEXT   "));
  }

  @Test
  void toHeaderValue_parsesBackToAnEqualReport() {
    LoadReport r =
        LoadReport.of(0.25, 120.5, 3).withApplicationUtilization(0.7).withNamedMetric("queue", 4);
    assertEquals(
        "TEXT cpu_utilization=0.25, application_utilization=0.7, rps_fractional=120.5, eps=3,"
            + " named_metrics.queue=4",
        r.toHeaderValue());
    assertEquals(r, LoadReport.parse(r.toHeaderValue()));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "JSON {\"cpu_utilization\": 0.3}|endpoint-load-metrics: format 'JSON' (expected: TEXT followed by name=value pairs)",
        "TEXTcpu_utilization=1|endpoint-load-metrics: format 'TEXTcpu_utilization=1' (expected: TEXT followed by name=value pairs)",
        "cpu_utilization=0.3|endpoint-load-metrics: format 'cpu_utilization=0.3' (expected: TEXT followed by name=value pairs)",
        "TEXT cpu_utilization|endpoint-load-metrics: entry 'cpu_utilization' (expected: name=value)",
        "TEXT cpu_utilization=|endpoint-load-metrics: entry 'cpu_utilization=' (expected: name=value)",
        "TEXT cpu_utilization=0.3,,eps=1|endpoint-load-metrics: entry '' (expected: name=value)",
        "TEXT =0.3|endpoint-load-metrics: entry '=0.3' (expected: name=value)",
        "TEXT cpu_utilization=abc|endpoint-load-metrics: cpu_utilization: 'abc' (expected: a finite decimal number >= 0)",
        "TEXT cpu_utilization=-1|endpoint-load-metrics: cpu_utilization: '-1' (expected: a finite decimal number >= 0)",
        "TEXT cpu_utilization=NaN|endpoint-load-metrics: cpu_utilization: 'NaN' (expected: a finite decimal number >= 0)",
        "TEXT cpu_utilization=Infinity|endpoint-load-metrics: cpu_utilization: 'Infinity' (expected: a finite decimal number >= 0)",
        "TEXT cpu_utilization=1e999|endpoint-load-metrics: cpu_utilization: '1e999' (expected: a finite decimal number >= 0)",
        "TEXT cpu_utilization=0x1p3|endpoint-load-metrics: cpu_utilization: '0x1p3' (expected: a finite decimal number >= 0)",
        "TEXT cpu_utilization=1d|endpoint-load-metrics: cpu_utilization: '1d' (expected: a finite decimal number >= 0)",
        "TEXT cpu_utilization=\"0.7\"|endpoint-load-metrics: cpu_utilization: '\"0.7\"' (expected: a finite decimal number >= 0)",
        "TEXT cpu_utilization=0.7,cpu_utilization=0.8|endpoint-load-metrics: name 'cpu_utilization' given twice (expected: each name once)",
        "TEXT named_metrics.=1|endpoint-load-metrics: name 'named_metrics.' (expected: a metric name after the prefix)",
        "TEXT cpu utilization=1|endpoint-load-metrics: name 'cpu utilization' (expected: letters, digits, '_', '.', '-')",
      })
  void parse_malformed_namesTheProblem(String header, String message) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> LoadReport.parse(header));
    assertEquals(message, e.getMessage());
    assertNull(LoadReport.tryParse(header), "tryParse never throws");
  }

  @Test
  void parse_tooLong_isRejectedUnread() {
    String header = "TEXT " + "named_metrics.a=1,".repeat(1000);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> LoadReport.parse(header));
    assertEquals(
        "endpoint-load-metrics: a value of "
            + header.length()
            + " characters (expected: at most 8192)",
        e.getMessage());
    assertNull(LoadReport.tryParse(header));
  }

  @Test
  void tryParse_null_isNull() {
    assertNull(LoadReport.tryParse(null));
    assertThrows(NullPointerException.class, () -> LoadReport.parse(null));
  }

  @Test
  void constructor_checksNumbers() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> LoadReport.of(-0.5, 1, 0));
    assertEquals("cpu_utilization: -0.5 (expected: a finite number >= 0)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> LoadReport.of(0.5, Double.NaN, 0));
    assertEquals("rps_fractional: NaN (expected: a finite number >= 0)", e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> LoadReport.of(0.5, 1, 0).withNamedMetric("queue", Double.POSITIVE_INFINITY));
    assertEquals("namedMetrics.queue: Infinity (expected: a finite number >= 0)", e.getMessage());
  }
}
