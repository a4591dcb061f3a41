package io.sluice.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import java.beans.PropertyDescriptor;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.beans.BeanUtils;

/**
 * The metadata IDEs read: every {@code sluice.*} property is listed with a description, the built-in lanes'
 * properties included (written by hand in additional-spring-configuration-metadata.json, so this test keeps
 * them in step with {@link SluiceLaneProperties}).
 */
class ConfigurationMetadataTest {

    @Test
    void everyLanePropertyIsDocumentedForEachBuiltInLane() throws IOException {
        Set<String> documented = new HashSet<>();
        for (String file : List.of("META-INF/spring-configuration-metadata.json", "META-INF/additional-spring-configuration-metadata.json")) {
            try (InputStream in = getClass().getClassLoader().getResourceAsStream(file)) {
                assertThat(in).as(file).isNotNull();
                for (JsonNode p : new ObjectMapper().readTree(in).get("properties")) {
                    assertThat(p.path("description").asString()).as(p.get("name").asString()).isNotBlank().doesNotContain("/**");
                    documented.add(p.get("name").asString());
                }
            }
        }
        assertThat(documented).contains("sluice.server.host", "sluice.server.url", "sluice.close-grace", "sluice.health-probe-interval");
        for (String lane : List.of("interactive", "background", "admin")) {
            for (String property : laneProperties()) {
                assertThat(documented).contains("sluice.lanes." + lane + "." + property);
            }
        }
    }

    private static List<String> laneProperties() {
        List<String> names = new ArrayList<>();
        collect("", SluiceLaneProperties.class, names);
        return names;
    }

    private static void collect(String prefix, Class<?> type, List<String> names) {
        for (PropertyDescriptor d : BeanUtils.getPropertyDescriptors(type)) {
            if (d.getName().equals("class")) {
                continue;
            }
            String name = prefix + d.getName().replaceAll("([A-Z])", "-$1").toLowerCase(java.util.Locale.ROOT);
            Class<?> t = d.getPropertyType();
            if (t.getEnclosingClass() == SluiceLaneProperties.class) {
                collect(name + ".", t, names);
            } else {
                names.add(name);
            }
        }
    }
}
