//! The canonical fields of a record (see `../shared/DESIGN.md`, "The record").
//!
//! Owns the list of fields, their snake_case names (which are also the column names that
//! import with no mapping) and which of them are sensitive (stored encrypted). Does not map
//! headers (see `headers`) or parse values (see `dates`, `values`).

use serde::Serialize;

/// A canonical field of a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    FullName,
    GivenName,
    FatherName,
    GrandfatherName,
    FamilyName,
    MotherName,
    MotherFamilyName,
    Aliases,
    Sex,
    BirthDate,
    BirthPlace,
    Residence,
    Address,
    NationalId,
    Phone,
    Email,
    Contact,
    Status,
    EventDate,
    /// What the event date records: an arrest, a disappearance, the entry to a facility, a
    /// transfer, a release or a death (see `data/ingest/event_kind_values.txt`).
    EventKind,
    Facility,
    /// Where the person was arrested or last seen (a town, a checkpoint).
    ArrestPlace,
    Place,
    /// The place of the civil registry (القيد) the person is entered in.
    RegistryPlace,
    /// The civil registry number (رقم القيد): stored encrypted, compared by a keyed hash.
    RegistryNumber,
    /// A son's name (the name a kunya, Abu X, is made of).
    SonName,
    Notes,
    SourceRecordId,
}

impl Field {
    pub const ALL: &'static [Field] = &[
        Field::FullName,
        Field::GivenName,
        Field::FatherName,
        Field::GrandfatherName,
        Field::FamilyName,
        Field::MotherName,
        Field::MotherFamilyName,
        Field::Aliases,
        Field::Sex,
        Field::BirthDate,
        Field::BirthPlace,
        Field::Residence,
        Field::Address,
        Field::NationalId,
        Field::Phone,
        Field::Email,
        Field::Contact,
        Field::Status,
        Field::EventDate,
        Field::EventKind,
        Field::Facility,
        Field::ArrestPlace,
        Field::Place,
        Field::RegistryPlace,
        Field::RegistryNumber,
        Field::SonName,
        Field::Notes,
        Field::SourceRecordId,
    ];

    /// The snake_case name: `given_name`, `birth_date`.
    pub fn name(self) -> &'static str {
        match self {
            Field::FullName => "full_name",
            Field::GivenName => "given_name",
            Field::FatherName => "father_name",
            Field::GrandfatherName => "grandfather_name",
            Field::FamilyName => "family_name",
            Field::MotherName => "mother_name",
            Field::MotherFamilyName => "mother_family_name",
            Field::Aliases => "aliases",
            Field::Sex => "sex",
            Field::BirthDate => "birth_date",
            Field::BirthPlace => "birth_place",
            Field::Residence => "residence",
            Field::Address => "address",
            Field::NationalId => "national_id",
            Field::Phone => "phone",
            Field::Email => "email",
            Field::Contact => "contact",
            Field::Status => "status",
            Field::EventDate => "event_date",
            Field::EventKind => "event_kind",
            Field::Facility => "facility",
            Field::ArrestPlace => "arrest_place",
            Field::Place => "place",
            Field::RegistryPlace => "registry_place",
            Field::RegistryNumber => "registry_number",
            Field::SonName => "son_name",
            Field::Notes => "notes",
            Field::SourceRecordId => "source_record_id",
        }
    }

    /// The field with this snake_case name.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::ALL.iter().copied().find(|f| f.name() == name)
    }

    /// Whether a field names the person (at least one such field must hold a usable name).
    pub fn is_name(self) -> bool {
        matches!(
            self,
            Field::FullName
                | Field::GivenName
                | Field::FatherName
                | Field::GrandfatherName
                | Field::FamilyName
                | Field::Aliases
        )
    }

    /// Identifiers, contact details and street addresses: stored encrypted, never printed at
    /// info level. (The town of residence stays in clear, to be compared.)
    pub fn is_sensitive(self) -> bool {
        matches!(
            self,
            Field::NationalId | Field::RegistryNumber | Field::Phone | Field::Email | Field::Contact | Field::Address
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in Field::ALL {
            assert_eq!(Field::from_name(f.name()), Some(*f));
        }
        assert_eq!(Field::from_name("nope"), None);
    }
}
