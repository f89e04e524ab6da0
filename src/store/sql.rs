//! A small builder for the queries whose text depends on the filters in use: text is pushed as
//! is, and each value pushed with [`Sql::bind`] becomes the next `$k`, so no caller counts
//! placeholders. Only fixed fragments of our own code go into the text; every value is bound.

use sqlx::any::AnyArguments;
use sqlx::query::{QueryAs, QueryScalar};
use sqlx::{Any, Arguments, FromRow, any::AnyRow};

use super::standings::Population;

/// A learner's year total from the LEFT JOINed standing `s` (no row: nothing earned).
pub const TOTAL: &str = "(COALESCE(s.required, 0) + COALESCE(s.elective, 0) + COALESCE(s.exam, 0))";

/// The FROM and WHERE of a year's assessed population; see [`Sql::with_population`].
pub const POPULATION: &str = crate::population!();

/// A value to bind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Int(i64),
    Text(String),
}

impl From<i64> for Value {
    fn from(v: i64) -> Value {
        Value::Int(v)
    }
}

impl From<String> for Value {
    fn from(v: String) -> Value {
        Value::Text(v)
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Value {
        Value::Text(v.to_string())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sql {
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            values: Vec::new(),
        }
    }

    /// A statement over a year's assessed population: the seven values `population!` takes
    /// ($1–$7, numbered in its fixed text) are bound first, so whatever is bound next is `$8` on,
    /// wherever the caller pushes the population's text ([`POPULATION`]).
    pub fn with_population(p: &Population<'_>) -> Sql {
        let (year, batches, scope, moment, cut) = p.binds();
        Sql {
            text: String::new(),
            values: vec![
                Value::Int(year),
                Value::Int(batches[0]),
                Value::Int(batches[1]),
                Value::Int(batches[2]),
                Value::Text(scope),
                Value::Int(moment),
                Value::Int(cut),
            ],
        }
    }

    /// Appends text as is.
    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Binds a value and appends its placeholder `$k`.
    pub fn bind(&mut self, value: impl Into<Value>) -> &mut Sql {
        self.values.push(value.into());
        let k = self.values.len();
        self.text.push('$');
        self.text.push_str(&k.to_string());
        self
    }

    /// The compliance rule (RULES.md "Annual standing and compliance") over the standing `s`:
    /// total ≥ the required total and required ≥ the required required credits, in tenths. The
    /// one SQL text of the rule; every query that needs it pushes it here.
    pub fn compliant(&mut self, target_total: i64, target_required: i64) -> &mut Sql {
        self.push("(")
            .push(TOTAL)
            .push(" >= ")
            .bind(target_total)
            .push(" AND COALESCE(s.required, 0) >= ")
            .bind(target_required)
            .push(")")
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn values(&self) -> &[Value] {
        &self.values
    }

    fn arguments(&self) -> Result<AnyArguments, sqlx::Error> {
        let mut args = AnyArguments::default();
        for v in &self.values {
            match v {
                Value::Int(i) => args.add(*i),
                Value::Text(t) => args.add(t.clone()),
            }
            .map_err(sqlx::Error::Encode)?;
        }
        Ok(args)
    }

    /// The statement as a query returning rows of `O`.
    pub fn query_as<'q, O>(&self) -> Result<QueryAs<'q, Any, O, AnyArguments>, sqlx::Error>
    where
        O: for<'r> FromRow<'r, AnyRow>,
    {
        let args = self.arguments()?;
        Ok(sqlx::query_as_with(
            sqlx::AssertSqlSafe(self.text.clone()),
            args,
        ))
    }

    /// The statement as a query returning one column of `O`.
    pub fn query_scalar<'q, O>(&self) -> Result<QueryScalar<'q, Any, O, AnyArguments>, sqlx::Error>
    where
        (O,): for<'r> FromRow<'r, AnyRow>,
    {
        let args = self.arguments()?;
        Ok(sqlx::query_scalar_with(
            sqlx::AssertSqlSafe(self.text.clone()),
            args,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_numbered_as_pushed() {
        let mut sql = Sql::new("SELECT 1 WHERE a = ");
        sql.bind(5).push(" AND b LIKE ").bind("x%");
        sql.push(" AND ").compliant(400, 240);
        assert_eq!(
            sql.text(),
            format!(
                "SELECT 1 WHERE a = $1 AND b LIKE $2 AND ({TOTAL} >= $3 AND COALESCE(s.required, 0) >= $4)"
            )
        );
        assert_eq!(
            sql.values(),
            &[
                Value::Int(5),
                Value::Text("x%".into()),
                Value::Int(400),
                Value::Int(240)
            ]
        );
    }
}
