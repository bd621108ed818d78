package org.formulary.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.formulary.config.DatabaseSettings;
import org.formulary.search.Criterion;
import org.formulary.search.SearchValue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The searches clients make most are driven by an index on H2 (whose planner would otherwise read every current
 * resource of the type): the plan reads the driving criterion's index first and each match's current row by key.
 */
class SearchPlanTest {

    private static DataSource dataSource;

    @BeforeAll
    static void open() {
        dataSource = Database.open(DatabaseSettings.of("jdbc:h2:mem:plan-" + UUID.randomUUID()));
    }

    @AfterAll
    static void close() {
        Database.close(dataSource);
    }

    @Test
    void tokenSearchReadsTheCodeIndex() throws SQLException {
        String plan = searchPlan(new Criterion("code", RestSearchParameterTypeEnum.TOKEN, null,
                List.of(new SearchValue.Token("http://www.nlm.nih.gov/research/umls/rxnorm", true, "197391"))));
        assertDrivenBy("IX_IDX_TOKEN_CODE", plan);
    }

    @Test
    void stringPrefixSearchReadsThePrefixIndex() throws SQLException {
        String plan = searchPlan(new Criterion("drug-name", RestSearchParameterTypeEnum.STRING, null,
                List.of(new SearchValue.Str("aceta"))));
        assertDrivenBy("IX_IDX_STRING_PREFIX", plan);
    }

    @Test
    void includeReadsTheReferencesOfThePageByKey() throws SQLException {
        String plan = plan(IncludeSql.referencedByQuery("Basic", List.of("a", "b"), "subject", Optional.empty(), 10));
        // each given resource is looked up in the index by its id, not found by reading all of its type's rows
        assertTrue(plan.matches("(?s).*IX_IDX_REFERENCE_RES: [^*]*RES_ID = S\\.ID.*"), plan);
    }

    @Test
    void aNegationAloneStillReadsTheType() throws SQLException {
        String plan = searchPlan(new Criterion("status", RestSearchParameterTypeEnum.TOKEN, "not",
                List.of(new SearchValue.Token(null, false, "active"))));
        assertFalse(plan.contains("LEFT OUTER JOIN"), plan);
    }

    private static void assertDrivenBy(String index, String plan) {
        int driver = plan.indexOf(index);
        int current = plan.indexOf("LEFT OUTER JOIN \"PUBLIC\".\"RESOURCE_CURRENT\"");
        assertTrue(driver >= 0 && current > driver, "read " + index + " first, then resource_current:\n" + plan);
    }

    private static String searchPlan(Criterion criterion) throws SQLException {
        return plan(new SqlFragment().append("SELECT c.version_seq")
                .append(CriteriaSql.currentMatches("MedicationKnowledge", List.of(criterion))));
    }

    private static String plan(SqlFragment query) throws SQLException {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("EXPLAIN " + query.sql())) {
            query.bind(ps);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }
}
