//! The test every resource and data source table runs: each type served has
//! a model checked against its schema ([`tfplugin::model::check_model`]), so
//! no attribute is read or written outside it.

/// Fails unless every check passed and the checked types are exactly the
/// `served` ones (a type added to the table without a model check fails).
pub(crate) fn assert_every_type_checked(
    kind: &str,
    served: impl IntoIterator<Item = String>,
    checked: &[(&str, Result<(), String>)],
) {
    for (name, result) in checked {
        assert_eq!(result, &Ok(()), "{name}");
    }
    let mut served: Vec<String> = served.into_iter().collect();
    let mut names: Vec<String> = checked.iter().map(|(n, _)| n.to_string()).collect();
    served.sort();
    names.sort();
    assert_eq!(served, names, "every {kind} served has its model checked");
}
