//! How each Open Referral record maps onto its dir_* table: the column list
//! and the conversion to and from one row of cells. The upsert, the readers and
//! the CSV export all go through this one mapping. Child lists are not columns:
//! a record read from here has none (the nested readers attach them).

use super::cells::{Cell, Cells, Kind, Record};
use crate::Result;
use reconnect_domain::openreferral::*;

impl Record for Organization {
    const TABLE: &'static str = "dir_organization";
    const COLUMNS: &'static [(&'static str, Kind)] = &[
        ("id", Kind::Text),
        ("name", Kind::Text),
        ("description", Kind::Text),
        ("email", Kind::Text),
        ("website", Kind::Text),
        ("logo", Kind::Text),
        ("uri", Kind::Text),
        ("parent_organization_id", Kind::Text),
    ];
    fn id(&self) -> &str {
        &self.id
    }
    fn cells(&self) -> Result<Vec<Cell>> {
        Ok(vec![
            Cell::text(&self.id),
            Cell::text(&self.name),
            Cell::text(&self.description),
            Cell::opt_text(self.email.as_deref()),
            Cell::opt_text(self.website.as_deref()),
            Cell::opt_text(self.logo.as_deref()),
            Cell::opt_text(self.uri.as_deref()),
            Cell::opt_text(self.parent_organization_id.as_deref()),
        ])
    }
    fn from_cells(cells: Vec<Cell>) -> Result<Self> {
        let mut c = Cells::new(Self::TABLE, cells);
        Ok(Organization {
            id: c.required_text()?,
            name: c.required_text()?,
            description: c.required_text()?,
            email: c.text()?,
            website: c.text()?,
            logo: c.text()?,
            uri: c.text()?,
            parent_organization_id: c.text()?,
            ..Default::default()
        })
    }
}

impl Record for OrganizationIdentifier {
    const TABLE: &'static str = "dir_organization_identifier";
    const COLUMNS: &'static [(&'static str, Kind)] = &[
        ("id", Kind::Text),
        ("organization_id", Kind::Text),
        ("identifier_scheme", Kind::Text),
        ("identifier_type", Kind::Text),
        ("identifier", Kind::Text),
    ];
    fn id(&self) -> &str {
        &self.id
    }
    fn cells(&self) -> Result<Vec<Cell>> {
        Ok(vec![
            Cell::text(&self.id),
            Cell::opt_text(self.organization_id.as_deref()),
            Cell::opt_text(self.identifier_scheme.as_deref()),
            Cell::text(&self.identifier_type),
            Cell::text(&self.identifier),
        ])
    }
    fn from_cells(cells: Vec<Cell>) -> Result<Self> {
        let mut c = Cells::new(Self::TABLE, cells);
        Ok(OrganizationIdentifier {
            id: c.required_text()?,
            organization_id: c.text()?,
            identifier_scheme: c.text()?,
            identifier_type: c.required_text()?,
            identifier: c.required_text()?,
            ..Default::default()
        })
    }
}

impl Record for Service {
    const TABLE: &'static str = "dir_service";
    const COLUMNS: &'static [(&'static str, Kind)] = &[
        ("id", Kind::Text),
        ("organization_id", Kind::Text),
        ("name", Kind::Text),
        ("description", Kind::Text),
        ("url", Kind::Text),
        ("email", Kind::Text),
        ("status", Kind::Text),
        ("fees", Kind::Text),
        ("accreditations", Kind::Text),
        ("eligibility_description", Kind::Text),
        ("minimum_age", Kind::Int),
        ("maximum_age", Kind::Int),
        ("eligible_genders", Kind::Text),
        ("how_to_refer", Kind::Text),
        ("assured_date", Kind::Text),
        ("assurer_email", Kind::Text),
        ("alert", Kind::Text),
        ("last_modified", Kind::Millis),
    ];
    fn id(&self) -> &str {
        &self.id
    }
    fn cells(&self) -> Result<Vec<Cell>> {
        Ok(vec![
            Cell::text(&self.id),
            Cell::opt_text(self.organization_id.as_deref()),
            Cell::text(&self.name),
            Cell::opt_text(self.description.as_deref()),
            Cell::opt_text(self.url.as_deref()),
            Cell::opt_text(self.email.as_deref()),
            Cell::text(&self.status),
            Cell::opt_text(self.fees.as_deref()),
            Cell::opt_text(self.accreditations.as_deref()),
            Cell::opt_text(self.eligibility_description.as_deref()),
            Cell::Int(self.minimum_age),
            Cell::Int(self.maximum_age),
            Cell::opt_text(self.eligible_genders.as_deref()),
            Cell::opt_text(self.how_to_refer.as_deref()),
            Cell::opt_text(self.assured_date.as_deref()),
            Cell::opt_text(self.assurer_email.as_deref()),
            Cell::opt_text(self.alert.as_deref()),
            Cell::millis(self.last_modified.as_deref(), "last_modified")?,
        ])
    }
    fn from_cells(cells: Vec<Cell>) -> Result<Self> {
        let mut c = Cells::new(Self::TABLE, cells);
        Ok(Service {
            id: c.required_text()?,
            organization_id: c.text()?,
            name: c.required_text()?,
            description: c.text()?,
            url: c.text()?,
            email: c.text()?,
            status: c.required_text()?,
            fees: c.text()?,
            accreditations: c.text()?,
            eligibility_description: c.text()?,
            minimum_age: c.int()?,
            maximum_age: c.int()?,
            eligible_genders: c.text()?,
            how_to_refer: c.text()?,
            assured_date: c.text()?,
            assurer_email: c.text()?,
            alert: c.text()?,
            last_modified: c.millis()?,
            ..Default::default()
        })
    }
}

impl Record for Location {
    const TABLE: &'static str = "dir_location";
    const COLUMNS: &'static [(&'static str, Kind)] = &[
        ("id", Kind::Text),
        ("organization_id", Kind::Text),
        ("location_type", Kind::Text),
        ("name", Kind::Text),
        ("description", Kind::Text),
        ("latitude", Kind::Real),
        ("longitude", Kind::Real),
        ("external_identifier", Kind::Text),
        ("external_identifier_type", Kind::Text),
    ];
    fn id(&self) -> &str {
        &self.id
    }
    fn cells(&self) -> Result<Vec<Cell>> {
        Ok(vec![
            Cell::text(&self.id),
            Cell::opt_text(self.organization_id.as_deref()),
            Cell::text(&self.location_type),
            Cell::opt_text(self.name.as_deref()),
            Cell::opt_text(self.description.as_deref()),
            Cell::Real(self.latitude),
            Cell::Real(self.longitude),
            Cell::opt_text(self.external_identifier.as_deref()),
            Cell::opt_text(self.external_identifier_type.as_deref()),
        ])
    }
    fn from_cells(cells: Vec<Cell>) -> Result<Self> {
        let mut c = Cells::new(Self::TABLE, cells);
        Ok(Location {
            id: c.required_text()?,
            organization_id: c.text()?,
            location_type: c.required_text()?,
            name: c.text()?,
            description: c.text()?,
            latitude: c.real()?,
            longitude: c.real()?,
            external_identifier: c.text()?,
            external_identifier_type: c.text()?,
            ..Default::default()
        })
    }
}

impl Record for ServiceAtLocation {
    const TABLE: &'static str = "dir_service_at_location";
    const COLUMNS: &'static [(&'static str, Kind)] = &[
        ("id", Kind::Text),
        ("service_id", Kind::Text),
        ("location_id", Kind::Text),
        ("description", Kind::Text),
    ];
    fn id(&self) -> &str {
        &self.id
    }
    fn cells(&self) -> Result<Vec<Cell>> {
        Ok(vec![
            Cell::text(&self.id),
            Cell::opt_text(self.service_id.as_deref()),
            Cell::opt_text(self.location_id.as_deref()),
            Cell::opt_text(self.description.as_deref()),
        ])
    }
    fn from_cells(cells: Vec<Cell>) -> Result<Self> {
        let mut c = Cells::new(Self::TABLE, cells);
        Ok(ServiceAtLocation {
            id: c.required_text()?,
            service_id: c.text()?,
            location_id: c.text()?,
            description: c.text()?,
            ..Default::default()
        })
    }
}

impl Record for Address {
    const TABLE: &'static str = "dir_address";
    const COLUMNS: &'static [(&'static str, Kind)] = &[
        ("id", Kind::Text),
        ("location_id", Kind::Text),
        ("attention", Kind::Text),
        ("address_1", Kind::Text),
        ("address_2", Kind::Text),
        ("city", Kind::Text),
        ("region", Kind::Text),
        ("state_province", Kind::Text),
        ("postal_code", Kind::Text),
        ("country", Kind::Text),
        ("address_type", Kind::Text),
    ];
    fn id(&self) -> &str {
        &self.id
    }
    fn cells(&self) -> Result<Vec<Cell>> {
        Ok(vec![
            Cell::text(&self.id),
            Cell::opt_text(self.location_id.as_deref()),
            Cell::opt_text(self.attention.as_deref()),
            Cell::text(&self.address_1),
            Cell::opt_text(self.address_2.as_deref()),
            Cell::text(&self.city),
            Cell::opt_text(self.region.as_deref()),
            Cell::text(&self.state_province),
            Cell::text(&self.postal_code),
            Cell::text(&self.country),
            Cell::text(&self.address_type),
        ])
    }
    fn from_cells(cells: Vec<Cell>) -> Result<Self> {
        let mut c = Cells::new(Self::TABLE, cells);
        Ok(Address {
            id: c.required_text()?,
            location_id: c.text()?,
            attention: c.text()?,
            address_1: c.required_text()?,
            address_2: c.text()?,
            city: c.required_text()?,
            region: c.text()?,
            state_province: c.required_text()?,
            postal_code: c.required_text()?,
            country: c.required_text()?,
            address_type: c.required_text()?,
            ..Default::default()
        })
    }
}

impl Record for Accessibility {
    const TABLE: &'static str = "dir_accessibility";
    const COLUMNS: &'static [(&'static str, Kind)] = &[
        ("id", Kind::Text),
        ("location_id", Kind::Text),
        ("description", Kind::Text),
        ("details", Kind::Text),
        ("url", Kind::Text),
        ("accessibility", Kind::Text),
    ];
    fn id(&self) -> &str {
        &self.id
    }
    fn cells(&self) -> Result<Vec<Cell>> {
        Ok(vec![
            Cell::text(&self.id),
            Cell::opt_text(self.location_id.as_deref()),
            Cell::opt_text(self.description.as_deref()),
            Cell::opt_text(self.details.as_deref()),
            Cell::opt_text(self.url.as_deref()),
            Cell::opt_text(self.accessibility.as_deref()),
        ])
    }
    fn from_cells(cells: Vec<Cell>) -> Result<Self> {
        let mut c = Cells::new(Self::TABLE, cells);
        Ok(Accessibility {
            id: c.required_text()?,
            location_id: c.text()?,
            description: c.text()?,
            details: c.text()?,
            url: c.text()?,
            accessibility: c.text()?,
            ..Default::default()
        })
    }
}

impl Record for Contact {
    const TABLE: &'static str = "dir_contact";
    const COLUMNS: &'static [(&'static str, Kind)] = &[
        ("id", Kind::Text),
        ("organization_id", Kind::Text),
        ("service_id", Kind::Text),
        ("service_at_location_id", Kind::Text),
        ("location_id", Kind::Text),
        ("name", Kind::Text),
        ("title", Kind::Text),
        ("department", Kind::Text),
        ("email", Kind::Text),
    ];
    fn id(&self) -> &str {
        &self.id
    }
    fn cells(&self) -> Result<Vec<Cell>> {
        Ok(vec![
            Cell::text(&self.id),
            Cell::opt_text(self.organization_id.as_deref()),
            Cell::opt_text(self.service_id.as_deref()),
            Cell::opt_text(self.service_at_location_id.as_deref()),
            Cell::opt_text(self.location_id.as_deref()),
            Cell::opt_text(self.name.as_deref()),
            Cell::opt_text(self.title.as_deref()),
            Cell::opt_text(self.department.as_deref()),
            Cell::opt_text(self.email.as_deref()),
        ])
    }
    fn from_cells(cells: Vec<Cell>) -> Result<Self> {
        let mut c = Cells::new(Self::TABLE, cells);
        Ok(Contact {
            id: c.required_text()?,
            organization_id: c.text()?,
            service_id: c.text()?,
            service_at_location_id: c.text()?,
            location_id: c.text()?,
            name: c.text()?,
            title: c.text()?,
            department: c.text()?,
            email: c.text()?,
            ..Default::default()
        })
    }
}

impl Record for Phone {
    const TABLE: &'static str = "dir_phone";
    const COLUMNS: &'static [(&'static str, Kind)] = &[
        ("id", Kind::Text),
        ("contact_id", Kind::Text),
        ("service_id", Kind::Text),
        ("location_id", Kind::Text),
        ("organization_id", Kind::Text),
        ("service_at_location_id", Kind::Text),
        ("number", Kind::Text),
        ("extension", Kind::Text),
        ("phone_type", Kind::Text),
        ("description", Kind::Text),
    ];
    fn id(&self) -> &str {
        &self.id
    }
    fn cells(&self) -> Result<Vec<Cell>> {
        Ok(vec![
            Cell::text(&self.id),
            Cell::opt_text(self.contact_id.as_deref()),
            Cell::opt_text(self.service_id.as_deref()),
            Cell::opt_text(self.location_id.as_deref()),
            Cell::opt_text(self.organization_id.as_deref()),
            Cell::opt_text(self.service_at_location_id.as_deref()),
            Cell::text(&self.number),
            Cell::opt_text(self.extension.as_deref()),
            Cell::opt_text(self.phone_type.as_deref()),
            Cell::opt_text(self.description.as_deref()),
        ])
    }
    fn from_cells(cells: Vec<Cell>) -> Result<Self> {
        let mut c = Cells::new(Self::TABLE, cells);
        Ok(Phone {
            id: c.required_text()?,
            contact_id: c.text()?,
            service_id: c.text()?,
            location_id: c.text()?,
            organization_id: c.text()?,
            service_at_location_id: c.text()?,
            number: c.required_text()?,
            extension: c.text()?,
            phone_type: c.text()?,
            description: c.text()?,
        })
    }
}

impl Record for Schedule {
    const TABLE: &'static str = "dir_schedule";
    const COLUMNS: &'static [(&'static str, Kind)] = &[
        ("id", Kind::Text),
        ("service_id", Kind::Text),
        ("location_id", Kind::Text),
        ("service_at_location_id", Kind::Text),
        ("valid_from", Kind::Text),
        ("valid_to", Kind::Text),
        ("dtstart", Kind::Text),
        ("freq", Kind::Text),
        ("interval_count", Kind::Int),
        ("byday", Kind::Text),
        ("bymonthday", Kind::Text),
        ("description", Kind::Text),
        ("opens_at", Kind::Text),
        ("closes_at", Kind::Text),
        ("schedule_link", Kind::Text),
        ("attending_type", Kind::Text),
        ("notes", Kind::Text),
    ];
    fn id(&self) -> &str {
        &self.id
    }
    fn cells(&self) -> Result<Vec<Cell>> {
        Ok(vec![
            Cell::text(&self.id),
            Cell::opt_text(self.service_id.as_deref()),
            Cell::opt_text(self.location_id.as_deref()),
            Cell::opt_text(self.service_at_location_id.as_deref()),
            Cell::opt_text(self.valid_from.as_deref()),
            Cell::opt_text(self.valid_to.as_deref()),
            Cell::opt_text(self.dtstart.as_deref()),
            Cell::opt_text(self.freq.as_deref()),
            Cell::Int(self.interval),
            Cell::opt_text(self.byday.as_deref()),
            Cell::opt_text(self.bymonthday.as_deref()),
            Cell::opt_text(self.description.as_deref()),
            Cell::opt_text(self.opens_at.as_deref()),
            Cell::opt_text(self.closes_at.as_deref()),
            Cell::opt_text(self.schedule_link.as_deref()),
            Cell::opt_text(self.attending_type.as_deref()),
            Cell::opt_text(self.notes.as_deref()),
        ])
    }
    fn from_cells(cells: Vec<Cell>) -> Result<Self> {
        let mut c = Cells::new(Self::TABLE, cells);
        Ok(Schedule {
            id: c.required_text()?,
            service_id: c.text()?,
            location_id: c.text()?,
            service_at_location_id: c.text()?,
            valid_from: c.text()?,
            valid_to: c.text()?,
            dtstart: c.text()?,
            freq: c.text()?,
            interval: c.int()?,
            byday: c.text()?,
            bymonthday: c.text()?,
            description: c.text()?,
            opens_at: c.text()?,
            closes_at: c.text()?,
            schedule_link: c.text()?,
            attending_type: c.text()?,
            notes: c.text()?,
        })
    }
}

impl Record for ServiceArea {
    const TABLE: &'static str = "dir_service_area";
    const COLUMNS: &'static [(&'static str, Kind)] = &[
        ("id", Kind::Text),
        ("service_id", Kind::Text),
        ("service_at_location_id", Kind::Text),
        ("name", Kind::Text),
        ("description", Kind::Text),
        ("extent", Kind::Text),
        ("extent_type", Kind::Text),
        ("uri", Kind::Text),
        ("service_area", Kind::Text),
    ];
    fn id(&self) -> &str {
        &self.id
    }
    fn cells(&self) -> Result<Vec<Cell>> {
        Ok(vec![
            Cell::text(&self.id),
            Cell::opt_text(self.service_id.as_deref()),
            Cell::opt_text(self.service_at_location_id.as_deref()),
            Cell::opt_text(self.name.as_deref()),
            Cell::opt_text(self.description.as_deref()),
            Cell::opt_text(self.extent.as_deref()),
            Cell::opt_text(self.extent_type.as_deref()),
            Cell::opt_text(self.uri.as_deref()),
            Cell::opt_text(self.service_area.as_deref()),
        ])
    }
    fn from_cells(cells: Vec<Cell>) -> Result<Self> {
        let mut c = Cells::new(Self::TABLE, cells);
        Ok(ServiceArea {
            id: c.required_text()?,
            service_id: c.text()?,
            service_at_location_id: c.text()?,
            name: c.text()?,
            description: c.text()?,
            extent: c.text()?,
            extent_type: c.text()?,
            uri: c.text()?,
            service_area: c.text()?,
        })
    }
}

impl Record for Language {
    const TABLE: &'static str = "dir_language";
    const COLUMNS: &'static [(&'static str, Kind)] = &[
        ("id", Kind::Text),
        ("service_id", Kind::Text),
        ("location_id", Kind::Text),
        ("phone_id", Kind::Text),
        ("name", Kind::Text),
        ("code", Kind::Text),
        ("note", Kind::Text),
    ];
    fn id(&self) -> &str {
        &self.id
    }
    fn cells(&self) -> Result<Vec<Cell>> {
        Ok(vec![
            Cell::text(&self.id),
            Cell::opt_text(self.service_id.as_deref()),
            Cell::opt_text(self.location_id.as_deref()),
            Cell::opt_text(self.phone_id.as_deref()),
            Cell::opt_text(self.name.as_deref()),
            Cell::opt_text(self.code.as_deref()),
            Cell::opt_text(self.note.as_deref()),
        ])
    }
    fn from_cells(cells: Vec<Cell>) -> Result<Self> {
        let mut c = Cells::new(Self::TABLE, cells);
        Ok(Language {
            id: c.required_text()?,
            service_id: c.text()?,
            location_id: c.text()?,
            phone_id: c.text()?,
            name: c.text()?,
            code: c.text()?,
            note: c.text()?,
        })
    }
}

impl Record for CostOption {
    const TABLE: &'static str = "dir_cost_option";
    const COLUMNS: &'static [(&'static str, Kind)] = &[
        ("id", Kind::Text),
        ("service_id", Kind::Text),
        ("valid_from", Kind::Text),
        ("valid_to", Kind::Text),
        ("option_text", Kind::Text),
        ("currency", Kind::Text),
        ("amount", Kind::Real),
        ("amount_description", Kind::Text),
    ];
    fn id(&self) -> &str {
        &self.id
    }
    fn cells(&self) -> Result<Vec<Cell>> {
        Ok(vec![
            Cell::text(&self.id),
            Cell::opt_text(self.service_id.as_deref()),
            Cell::opt_text(self.valid_from.as_deref()),
            Cell::opt_text(self.valid_to.as_deref()),
            Cell::opt_text(self.option.as_deref()),
            Cell::opt_text(self.currency.as_deref()),
            Cell::Real(self.amount),
            Cell::opt_text(self.amount_description.as_deref()),
        ])
    }
    fn from_cells(cells: Vec<Cell>) -> Result<Self> {
        let mut c = Cells::new(Self::TABLE, cells);
        Ok(CostOption {
            id: c.required_text()?,
            service_id: c.text()?,
            valid_from: c.text()?,
            valid_to: c.text()?,
            option: c.text()?,
            currency: c.text()?,
            amount: c.real()?,
            amount_description: c.text()?,
        })
    }
}

impl Record for Funding {
    const TABLE: &'static str = "dir_funding";
    const COLUMNS: &'static [(&'static str, Kind)] = &[
        ("id", Kind::Text),
        ("organization_id", Kind::Text),
        ("service_id", Kind::Text),
        ("source", Kind::Text),
    ];
    fn id(&self) -> &str {
        &self.id
    }
    fn cells(&self) -> Result<Vec<Cell>> {
        Ok(vec![
            Cell::text(&self.id),
            Cell::opt_text(self.organization_id.as_deref()),
            Cell::opt_text(self.service_id.as_deref()),
            Cell::opt_text(self.source.as_deref()),
        ])
    }
    fn from_cells(cells: Vec<Cell>) -> Result<Self> {
        let mut c = Cells::new(Self::TABLE, cells);
        Ok(Funding {
            id: c.required_text()?,
            organization_id: c.text()?,
            service_id: c.text()?,
            source: c.text()?,
        })
    }
}

impl Record for Taxonomy {
    const TABLE: &'static str = "dir_taxonomy";
    const COLUMNS: &'static [(&'static str, Kind)] = &[
        ("id", Kind::Text),
        ("name", Kind::Text),
        ("description", Kind::Text),
        ("uri", Kind::Text),
        ("version", Kind::Text),
    ];
    fn id(&self) -> &str {
        &self.id
    }
    fn cells(&self) -> Result<Vec<Cell>> {
        Ok(vec![
            Cell::text(&self.id),
            Cell::text(&self.name),
            Cell::text(&self.description),
            Cell::opt_text(self.uri.as_deref()),
            Cell::opt_text(self.version.as_deref()),
        ])
    }
    fn from_cells(cells: Vec<Cell>) -> Result<Self> {
        let mut c = Cells::new(Self::TABLE, cells);
        Ok(Taxonomy {
            id: c.required_text()?,
            name: c.required_text()?,
            description: c.required_text()?,
            uri: c.text()?,
            version: c.text()?,
            ..Default::default()
        })
    }
}

impl Record for TaxonomyTerm {
    const TABLE: &'static str = "dir_taxonomy_term";
    const COLUMNS: &'static [(&'static str, Kind)] = &[
        ("id", Kind::Text),
        ("code", Kind::Text),
        ("name", Kind::Text),
        ("description", Kind::Text),
        ("parent_id", Kind::Text),
        ("taxonomy", Kind::Text),
        ("taxonomy_id", Kind::Text),
        ("term_uri", Kind::Text),
        ("language", Kind::Text),
        ("term", Kind::Text),
    ];
    fn id(&self) -> &str {
        &self.id
    }
    fn cells(&self) -> Result<Vec<Cell>> {
        Ok(vec![
            Cell::text(&self.id),
            Cell::opt_text(self.code.as_deref()),
            Cell::text(&self.name),
            Cell::text(&self.description),
            Cell::opt_text(self.parent_id.as_deref()),
            Cell::opt_text(self.taxonomy.as_deref()),
            Cell::opt_text(self.taxonomy_id.as_deref()),
            Cell::opt_text(self.term_uri.as_deref()),
            Cell::opt_text(self.language.as_deref()),
            Cell::opt_text(self.term.as_deref()),
        ])
    }
    fn from_cells(cells: Vec<Cell>) -> Result<Self> {
        let mut c = Cells::new(Self::TABLE, cells);
        Ok(TaxonomyTerm {
            id: c.required_text()?,
            code: c.text()?,
            name: c.required_text()?,
            description: c.required_text()?,
            parent_id: c.text()?,
            taxonomy: c.text()?,
            taxonomy_id: c.text()?,
            term_uri: c.text()?,
            language: c.text()?,
            term: c.text()?,
        })
    }
}

impl Record for Attribute {
    const TABLE: &'static str = "dir_attribute";
    const COLUMNS: &'static [(&'static str, Kind)] = &[
        ("id", Kind::Text),
        ("link_id", Kind::Text),
        ("link_type", Kind::Text),
        ("link_entity", Kind::Text),
        ("taxonomy_term_id", Kind::Text),
        ("value", Kind::Text),
        ("label", Kind::Text),
    ];
    fn id(&self) -> &str {
        &self.id
    }
    fn cells(&self) -> Result<Vec<Cell>> {
        Ok(vec![
            Cell::text(&self.id),
            Cell::opt_text(self.link_id.as_deref()),
            Cell::opt_text(self.link_type.as_deref()),
            Cell::opt_text(self.link_entity.as_deref()),
            Cell::opt_text(self.taxonomy_term_id.as_deref()),
            Cell::opt_text(self.value.as_deref()),
            Cell::opt_text(self.label.as_deref()),
        ])
    }
    fn from_cells(cells: Vec<Cell>) -> Result<Self> {
        let mut c = Cells::new(Self::TABLE, cells);
        Ok(Attribute {
            id: c.required_text()?,
            link_id: c.text()?,
            link_type: c.text()?,
            link_entity: c.text()?,
            taxonomy_term_id: c.text()?,
            value: c.text()?,
            label: c.text()?,
            ..Default::default()
        })
    }
}
