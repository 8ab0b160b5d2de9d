package dev.sparsestream.core.io;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.InjectableValues;
import com.fasterxml.jackson.databind.KeyDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.deser.std.StdScalarDeserializer;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdScalarSerializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import dev.sparsestream.core.model.Family;
import dev.sparsestream.core.model.ModelConfig;
import java.io.IOException;

/**
 * The project's JSON: model.json, reports, run and sweep records and evaluation results are all written and
 * read with this configuration.
 */
public final class Json {
    private static final ObjectMapper MAPPER = newMapper();

    private Json() {
    }

    /**
     * An ObjectMapper configured as every file of the project is written and read: pretty-printed,
     * {@link Family} as its label ("VDL-NL", map keys too), strict on input (unknown or missing record
     * properties, trailing content, null for primitives and fractions for integers are errors).
     * Each call returns an independent copy, so callers may reconfigure it.
     */
    public static ObjectMapper mapper() {
        return MAPPER.copy();
    }

    private static ObjectMapper newMapper() {
        SimpleModule families = new SimpleModule("sparse-stream-families");
        families.addSerializer(Family.class, new FamilySerializer());
        families.addDeserializer(Family.class, new FamilyDeserializer());
        families.addKeySerializer(Family.class, new FamilyKeySerializer());
        families.addKeyDeserializer(Family.class, new FamilyKeyDeserializer());
        ObjectMapper m = new ObjectMapper();
        m.registerModule(families);
        m.enable(SerializationFeature.INDENT_OUTPUT);
        m.enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        m.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        m.enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);
        m.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
        m.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        // The one field a file may lack: configurations saved before backtracking existed ran without it.
        m.setInjectableValues(new InjectableValues.Std().addValue(ModelConfig.BACKTRACKING_DEFAULT, Boolean.FALSE));
        return m;
    }

    private static final class FamilySerializer extends StdScalarSerializer<Family> {
        private static final long serialVersionUID = 1L;

        FamilySerializer() {
            super(Family.class);
        }

        @Override
        public void serialize(Family value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeString(value.label());
        }
    }

    private static final class FamilyDeserializer extends StdScalarDeserializer<Family> {
        private static final long serialVersionUID = 1L;

        FamilyDeserializer() {
            super(Family.class);
        }

        @Override
        public Family deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                return (Family) ctxt.handleUnexpectedToken(Family.class, p);
            }
            String text = p.getText();
            try {
                return Family.parse(text);
            } catch (IllegalArgumentException e) {
                throw InvalidFormatException.from(p, e.getMessage(), text, Family.class);
            }
        }
    }

    private static final class FamilyKeySerializer extends StdSerializer<Family> {
        private static final long serialVersionUID = 1L;

        FamilyKeySerializer() {
            super(Family.class);
        }

        @Override
        public void serialize(Family value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeFieldName(value.label());
        }
    }

    private static final class FamilyKeyDeserializer extends KeyDeserializer {
        @Override
        public Object deserializeKey(String key, DeserializationContext ctxt) throws IOException {
            try {
                return Family.parse(key);
            } catch (IllegalArgumentException e) {
                return ctxt.handleWeirdKey(Family.class, key, e.getMessage());
            }
        }
    }
}
