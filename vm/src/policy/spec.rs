//! Policy specifications: a policy name with parameters, written
//! `NAME:key=value,key=value` on the command line (`clock:new_ref=0`).
//!
//! A list of specifications separates policies with commas too
//! (`clock:new_ref=0,lru`): a `key=value` item belongs to the policy before
//! it, and any other item starts a new policy. Policy names never contain
//! `=`, so the split is unambiguous.

use super::PolicyError;
use std::fmt;
use std::ops::RangeInclusive;

/// A policy name and its parameters, in the order written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicySpec {
    /// The policy's name, as [`super::NAMES`] lists it.
    pub name: String,
    /// `(key, value)` pairs, in the order written.
    pub params: Vec<(String, String)>,
}

impl PolicySpec {
    /// Parses one specification: `NAME` or `NAME:key=value,key=value`.
    ///
    /// # Errors
    ///
    /// Returns [`PolicyError::BadSpec`] for an empty name, an item without
    /// `=`, an empty key, or a key given twice.
    pub fn parse(text: &str) -> Result<PolicySpec, PolicyError> {
        let specs = PolicySpec::parse_list(text)?;
        match <[PolicySpec; 1]>::try_from(specs) {
            Ok([spec]) => Ok(spec),
            Err(specs) => Err(PolicyError::BadSpec {
                text: text.to_string(),
                reason: format!(
                    "it names {} policies where one is expected; parameters go after a colon, as in `clock:new_ref=0`",
                    specs.len()
                ),
            }),
        }
    }

    /// Parses a comma-separated list of specifications, as `replay --policy`
    /// takes it. Spaces around items are ignored.
    ///
    /// # Errors
    ///
    /// Returns [`PolicyError::BadSpec`] for an empty list or item, a
    /// parameter before any policy name, an item without `=` after a
    /// colon, an empty key, or a key given twice for one policy.
    pub fn parse_list(text: &str) -> Result<Vec<PolicySpec>, PolicyError> {
        let bad = |reason: String| PolicyError::BadSpec {
            text: text.to_string(),
            reason,
        };
        let mut specs: Vec<PolicySpec> = Vec::new();

        for item in text.split(',').map(str::trim) {
            if item.is_empty() {
                return Err(bad(
                    "it has an empty item; separate policies and parameters with single commas"
                        .into(),
                ));
            }

            // `key=value` continues the policy before it; an item with a
            // colon before its first `=` is `NAME:key=value` instead.
            let starts_policy = match (item.find(':'), item.find('=')) {
                (_, None) => true,
                (Some(colon), Some(equals)) => colon < equals,
                (None, Some(_)) => false,
            };
            if !starts_policy {
                let (key, value) = item.split_once('=').expect("the item contains `=`");
                let Some(spec) = specs.last_mut() else {
                    return Err(bad(format!(
                        "parameter `{item}` comes before any policy name; write `NAME:{item}`"
                    )));
                };
                spec.push_param(key.trim(), value.trim()).map_err(bad)?;
                continue;
            }

            // `NAME` or `NAME:key=value` starts a new policy.
            let (name, first_param) = match item.split_once(':') {
                Some((name, param)) => (name.trim(), Some(param.trim())),
                None => (item, None),
            };
            if name.is_empty() {
                return Err(bad(format!(
                    "item `{item}` has no policy name before the colon"
                )));
            }
            let mut spec = PolicySpec {
                name: name.to_string(),
                params: Vec::new(),
            };
            if let Some(param) = first_param {
                let Some((key, value)) = param.split_once('=') else {
                    return Err(bad(format!(
                        "`{param}` after `{name}:` is not a parameter; write key=value, as in `clock:new_ref=0`"
                    )));
                };
                spec.push_param(key.trim(), value.trim()).map_err(bad)?;
            }
            specs.push(spec);
        }
        Ok(specs)
    }

    fn push_param(&mut self, key: &str, value: &str) -> Result<(), String> {
        if key.is_empty() {
            return Err(format!("a parameter of `{}` has an empty key", self.name));
        }
        if self.params.iter().any(|(existing, _)| existing == key) {
            return Err(format!(
                "parameter `{key}` of `{}` is given twice",
                self.name
            ));
        }
        self.params.push((key.to_string(), value.to_string()));
        Ok(())
    }
}

impl fmt::Display for PolicySpec {
    /// Prints the canonical form, `NAME` or `NAME:key=value,key=value`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        for (index, (key, value)) in self.params.iter().enumerate() {
            let separator = if index == 0 { ':' } else { ',' };
            write!(f, "{separator}{key}={value}")?;
        }
        Ok(())
    }
}

/// Typed, checked access to a specification's parameters while a policy is
/// built. Each accessor names the key, its default and its valid range;
/// [`Params::finish`] then rejects any key no accessor asked for.
#[derive(Debug)]
pub struct Params<'a> {
    spec: &'a PolicySpec,
    /// Keys the policy asked for, in order, for the unknown-key message.
    known: Vec<&'static str>,
}

impl<'a> Params<'a> {
    /// Starts reading the parameters of `spec`.
    pub fn new(spec: &'a PolicySpec) -> Params<'a> {
        Params {
            spec,
            known: Vec::new(),
        }
    }

    fn raw(&mut self, key: &'static str) -> Option<&'a str> {
        self.known.push(key);
        self.spec
            .params
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn invalid(&self, key: &str, value: &str, reason: String) -> PolicyError {
        PolicyError::BadParameter {
            policy: self.spec.name.clone(),
            key: key.to_string(),
            value: value.to_string(),
            reason,
        }
    }

    /// Returns the whole number `key`, or `default` when absent.
    ///
    /// # Errors
    ///
    /// Returns [`PolicyError::BadParameter`] when the value is not a whole
    /// number inside `range`.
    pub fn u64(
        &mut self,
        key: &'static str,
        default: u64,
        range: RangeInclusive<u64>,
    ) -> Result<u64, PolicyError> {
        let Some(text) = self.raw(key) else {
            return Ok(default);
        };
        let reason = || {
            format!(
                "expected a whole number from {} to {}",
                range.start(),
                range.end()
            )
        };
        let value: u64 = text
            .parse()
            .map_err(|_| self.invalid(key, text, reason()))?;
        if !range.contains(&value) {
            return Err(self.invalid(key, text, reason()));
        }
        Ok(value)
    }

    /// Returns the number `key`, or `default` when absent.
    ///
    /// # Errors
    ///
    /// Returns [`PolicyError::BadParameter`] when the value is not a finite
    /// number inside `range`.
    pub fn f64(
        &mut self,
        key: &'static str,
        default: f64,
        range: RangeInclusive<f64>,
    ) -> Result<f64, PolicyError> {
        let Some(text) = self.raw(key) else {
            return Ok(default);
        };
        let reason = || {
            format!(
                "expected a number from {} to {}",
                range.start(),
                range.end()
            )
        };
        let value: f64 = text
            .parse()
            .map_err(|_| self.invalid(key, text, reason()))?;
        if !value.is_finite() || !range.contains(&value) {
            return Err(self.invalid(key, text, reason()));
        }
        Ok(value)
    }

    /// Returns the flag `key` (`0`, `1`, `false` or `true`), or `default` when absent.
    ///
    /// # Errors
    ///
    /// Returns [`PolicyError::BadParameter`] for any other value.
    pub fn bool(&mut self, key: &'static str, default: bool) -> Result<bool, PolicyError> {
        match self.raw(key) {
            None => Ok(default),
            Some("1" | "true") => Ok(true),
            Some("0" | "false") => Ok(false),
            Some(text) => Err(self.invalid(key, text, "expected 0, 1, false or true".into())),
        }
    }

    /// Returns the value of `key`, which must be one of `choices`, or `default` when absent.
    ///
    /// # Errors
    ///
    /// Returns [`PolicyError::BadParameter`] for a value not in `choices`.
    pub fn choice(
        &mut self,
        key: &'static str,
        choices: &[&'static str],
        default: &'static str,
    ) -> Result<&'static str, PolicyError> {
        let Some(text) = self.raw(key) else {
            return Ok(default);
        };
        choices
            .iter()
            .copied()
            .find(|choice| *choice == text)
            .ok_or_else(|| {
                self.invalid(
                    key,
                    text,
                    format!("expected one of: {}", choices.join(", ")),
                )
            })
    }

    /// Checks that every parameter given was asked for.
    ///
    /// # Errors
    ///
    /// Returns [`PolicyError::UnknownParameter`] for the first key no
    /// accessor asked for, listing the keys the policy takes.
    pub fn finish(self) -> Result<(), PolicyError> {
        for (key, _) in &self.spec.params {
            if !self.known.contains(&key.as_str()) {
                return Err(PolicyError::UnknownParameter {
                    policy: self.spec.name.clone(),
                    key: key.clone(),
                    known: self.known.iter().map(|k| k.to_string()).collect(),
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(name: &str, params: &[(&str, &str)]) -> PolicySpec {
        PolicySpec {
            name: name.into(),
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    #[test]
    fn single_specs_parse() {
        assert_eq!(PolicySpec::parse("lru"), Ok(spec("lru", &[])));
        assert_eq!(
            PolicySpec::parse("clock:new_ref=0"),
            Ok(spec("clock", &[("new_ref", "0")]))
        );
        assert_eq!(
            PolicySpec::parse("aging:bits=8,interval=4"),
            Ok(spec("aging", &[("bits", "8"), ("interval", "4")]))
        );
    }

    #[test]
    fn lists_attach_parameters_to_the_policy_before() {
        assert_eq!(
            PolicySpec::parse_list("clock:new_ref=0, lru ,aging:bits=8,interval=4,fifo"),
            Ok(vec![
                spec("clock", &[("new_ref", "0")]),
                spec("lru", &[]),
                spec("aging", &[("bits", "8"), ("interval", "4")]),
                spec("fifo", &[]),
            ])
        );
    }

    #[test]
    fn malformed_specs_are_rejected() {
        for text in [
            "",
            "lru,",
            ",lru",
            "new_ref=0",
            ":x=1",
            "clock:new_ref",
            "clock:=1",
            "clock:a=1,a=2",
        ] {
            assert!(
                matches!(
                    PolicySpec::parse_list(text),
                    Err(PolicyError::BadSpec { .. })
                ),
                "{text:?} was accepted"
            );
        }
        assert!(matches!(
            PolicySpec::parse("lru,fifo"),
            Err(PolicyError::BadSpec { .. })
        ));
    }

    #[test]
    fn display_gives_the_canonical_form() {
        let parsed = PolicySpec::parse(" aging : bits = 8 , interval=4").unwrap();
        assert_eq!(parsed.to_string(), "aging:bits=8,interval=4");
        assert_eq!(PolicySpec::parse(&parsed.to_string()), Ok(parsed));
    }

    #[test]
    fn params_read_typed_values() {
        let given = spec(
            "p",
            &[("n", "8"), ("x", "0.25"), ("flag", "true"), ("mode", "lru")],
        );
        let mut params = Params::new(&given);
        assert_eq!(params.u64("n", 1, 1..=32), Ok(8));
        assert_eq!(params.f64("x", 0.5, 0.0..=1.0), Ok(0.25));
        assert_eq!(params.bool("flag", false), Ok(true));
        assert_eq!(params.choice("mode", &["fifo", "lru"], "fifo"), Ok("lru"));
        assert_eq!(params.u64("absent", 3, 0..=5), Ok(3));
        assert_eq!(params.finish(), Ok(()));
    }

    #[test]
    fn params_reject_bad_values() {
        let given = spec(
            "p",
            &[("n", "40"), ("x", "nan"), ("flag", "yes"), ("mode", "mru")],
        );
        let mut params = Params::new(&given);
        assert!(matches!(
            params.u64("n", 1, 1..=32),
            Err(PolicyError::BadParameter { .. })
        ));
        assert!(matches!(
            params.f64("x", 0.5, 0.0..=1.0),
            Err(PolicyError::BadParameter { .. })
        ));
        assert!(matches!(
            params.bool("flag", false),
            Err(PolicyError::BadParameter { .. })
        ));
        assert!(matches!(
            params.choice("mode", &["fifo", "lru"], "fifo"),
            Err(PolicyError::BadParameter { .. })
        ));
    }

    #[test]
    fn unknown_keys_are_rejected_with_the_known_ones() {
        let given = spec("clock", &[("new_rf", "0")]);
        let mut params = Params::new(&given);
        assert_eq!(params.bool("new_ref", true), Ok(true));
        assert_eq!(
            params.finish(),
            Err(PolicyError::UnknownParameter {
                policy: "clock".into(),
                key: "new_rf".into(),
                known: vec!["new_ref".into()],
            })
        );
    }
}
