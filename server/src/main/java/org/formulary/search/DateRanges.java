package org.formulary.search;

import ca.uhn.fhir.model.api.TemporalPrecisionEnum;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.hl7.fhir.r4.model.BaseDateTimeType;

/**
 * Turns FHIR dates into half-open ranges of epoch milliseconds {@code [low, high)} that cover the value's whole
 * precision: {@code 2024} covers the year, {@code 2024-03-01} the day. Values without a time zone (dates) are read
 * in UTC. Stateless.
 */
public final class DateRanges {

    private DateRanges() {}

    /** The range covered by {@code value}; {@code [low, high)}. */
    public static long[] of(BaseDateTimeType value) {
        TemporalPrecisionEnum precision = value.getPrecision();
        if (precision == TemporalPrecisionEnum.YEAR
                || precision == TemporalPrecisionEnum.MONTH
                || precision == TemporalPrecisionEnum.DAY) {
            int month = value.getMonth() == null ? 0 : value.getMonth();
            int day = value.getDay() == null ? 1 : value.getDay();
            LocalDate start = LocalDate.of(value.getYear(), precision == TemporalPrecisionEnum.YEAR ? 1 : month + 1,
                    precision == TemporalPrecisionEnum.DAY ? day : 1);
            LocalDate end = switch (precision) {
                case YEAR -> start.plusYears(1);
                case MONTH -> start.plusMonths(1);
                default -> start.plusDays(1);
            };
            return new long[] {epochMillis(start), epochMillis(end)};
        }
        long low = value.getValue().getTime();
        long width = switch (precision) {
            case MINUTE -> 60_000L;
            case SECOND -> 1_000L;
            default -> 1L;
        };
        return new long[] {low, low + width};
    }

    private static long epochMillis(LocalDate date) {
        return date.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
    }
}
