//! The join of register rows with the signature catalogue: each row finds its tool by id, name
//! or domain, adds its domains as patterns, and rows naming only domains of their own become
//! in-house tools.
//!
//! # Performance
//! Registers of tens of thousands of rows exist (every in-house tool with its domains), so
//! each row costs a few hash probes, never a pass over the catalogue or the other rows: ids
//! through [`Catalogue::tool_by_id`], names through [`Names`], domains through the matcher,
//! and a row's name is normalized once.

use std::collections::HashMap;

use publicsuffix::List;

use super::{Entry, Register, error};
use crate::signatures::{Catalogue, Tool, ToolId};

/// A name as rows and tools are compared: ASCII letters and digits, lowercase, so that
/// `Chat GPT`, `chatgpt` and `ChatGPT!` are one name.
fn norm(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The catalogue's tools by normalized name and by normalized id. A key two tools share
/// keeps the first of them (lowest [`ToolId`]), so a name resolves to the tool a search in
/// catalogue order would find; tools the join adds come last and are added as they are made.
struct Names(HashMap<String, ToolId>);

impl Names {
    fn new(tools: &[Tool]) -> Names {
        let mut names = Names(HashMap::with_capacity(tools.len() * 2));
        for (i, t) in tools.iter().enumerate() {
            if let Ok(id) = ToolId::try_from(i) {
                names.add(id, t);
            }
        }
        names
    }

    fn add(&mut self, id: ToolId, tool: &Tool) {
        for key in [norm(&tool.name), norm(&tool.id)] {
            if !key.is_empty() {
                self.0.entry(key).or_insert(id);
            }
        }
    }

    /// The tool whose name or id is `name`, once both are normalized.
    fn get(&self, name: &str) -> Option<ToolId> {
        self.0.get(&norm(name)).copied()
    }
}

impl Register {
    /// Joins every row to a catalogue tool — by tool id, else by name, else by one of its
    /// domains — adds the rows' domains as patterns, and creates a tool for rows that match
    /// nothing but name domains of their own (an internal LLM gateway). Returns the register
    /// row of each tool (`None`: not registered, tier 4).
    pub fn join(
        &mut self,
        catalogue: &mut Catalogue,
        psl: &List,
    ) -> anyhow::Result<Vec<Option<usize>>> {
        let file = self.path.display().to_string();
        let mut names = Names::new(&catalogue.tools);
        for e in &mut self.entries {
            let by_id =
                e.id.as_deref()
                    .and_then(|id| catalogue.tool_by_id(&id.to_ascii_lowercase()));
            let by_name = || names.get(e.name.as_deref()?);
            let by_domain = || {
                e.domains
                    .iter()
                    .find_map(|d| catalogue.find_host(d.as_bytes()).map(|p| p.tool))
            };
            let tool = match by_id.or_else(by_name).or_else(by_domain) {
                Some(t) => t,
                None if !e.domains.is_empty() => {
                    let label = e.name.clone().or_else(|| e.id.clone()).unwrap_or_default();
                    let id =
                        e.id.clone()
                            .map(|i| i.to_ascii_lowercase())
                            .unwrap_or_else(|| slug(&label));
                    let vendor = e.vendor.clone().unwrap_or_else(|| "in-house".to_string());
                    let t = catalogue
                        .add_local_tool(&id, &label, &vendor, &file)
                        .map_err(|m| error(&self.path, e.line, m))?;
                    names.add(t, &catalogue.tools[t as usize]);
                    t
                }
                None => continue,
            };
            catalogue
                .add_patterns(tool, &e.domains, psl)
                .map_err(|m| error(&self.path, e.line, m))?;
            e.tool = Some(tool);
        }
        let mut rows = vec![None; catalogue.tools.len()];
        for (i, e) in self.entries.iter().enumerate() {
            let Some(t) = e.tool else { continue };
            if let Some(prev) = rows[t as usize] {
                let prev: &Entry = &self.entries[prev];
                return Err(error(
                    &self.path,
                    e.line,
                    format!(
                        "`{}` is already registered at line {}",
                        catalogue.tools[t as usize].name, prev.line
                    ),
                ));
            }
            rows[t as usize] = Some(i);
        }
        Ok(rows)
    }
}

/// A tool id from a name: lowercase letters and digits, other runs as `-`.
pub fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    #[test]
    fn join_by_id_name_and_domain_and_in_house_tools() {
        let psl = crate::discovery::load_psl(None).unwrap();
        let mut c = Catalogue::embedded(&psl).unwrap();
        let text = "Tool ID,Tool,Tier,Domains\n,Claude,1,\nx,Whatever,2,gemini.google.com\ncorp-gw,Corp LLM Gateway,1,\"llm.corp.example, *.genai.corp.example\"\nchatgpt,,3,\n,Nothing Known,2,\n";
        let mut r = Register::parse(Path::new("r.csv"), text.as_bytes()).unwrap();
        let rows = r.join(&mut c, &psl).unwrap();
        let tier_of = |id: &str| {
            let row = rows[c.tool_by_id(id).unwrap() as usize];
            row.map(|i| r.entries[i].tier.number())
        };
        assert_eq!(tier_of("claude"), Some(1));
        assert_eq!(tier_of("gemini"), Some(2));
        assert_eq!(tier_of("chatgpt"), Some(3));
        assert_eq!(tier_of("corp-gw"), Some(1));
        assert_eq!(tier_of("perplexity"), None);
        let gw = c
            .find_host(b"eu.genai.corp.example")
            .map(|p| c.tools[p.tool as usize].id.as_str());
        assert_eq!(gw, Some("corp-gw"));
        assert_eq!(
            r.entries[4].tool, None,
            "a row matching nothing stays unjoined"
        );
    }

    #[test]
    fn a_tool_registered_twice_or_a_stolen_domain_is_an_error() {
        let psl = crate::discovery::load_psl(None).unwrap();
        let mut c = Catalogue::embedded(&psl).unwrap();
        let mut r =
            Register::parse(Path::new("r.csv"), b"Tool,Tier\nChatGPT,1\nchatgpt,2\n").unwrap();
        let err = r.join(&mut c, &psl).unwrap_err().to_string();
        assert!(
            err.contains("r.csv:3") && err.contains("already registered at line 2"),
            "{err}"
        );
        let mut c = Catalogue::embedded(&psl).unwrap();
        let mut r = Register::parse(
            Path::new("r.csv"),
            b"Tool,Tier,Domains\nClaude,1,chatgpt.com\n",
        )
        .unwrap();
        let err = r.join(&mut c, &psl).unwrap_err().to_string();
        assert!(err.contains("belongs to `chatgpt`"), "{err}");
    }

    /// A name that is one tool's name and another's id joins the first tool in catalogue
    /// order, as a search through the catalogue would; an id column still finds by id.
    #[test]
    fn a_name_shared_by_two_tools_joins_the_first() {
        let psl = crate::discovery::load_psl(None).unwrap();
        let mut c = Catalogue::empty();
        let toml = "[[tool]]\nid = \"alpha\"\nname = \"Beta\"\nvendor = \"V\"\ncategory = \"chat-assistant\"\napp = [\"alpha.example\"]\n\n[[tool]]\nid = \"beta\"\nname = \"Gamma\"\nvendor = \"V\"\ncategory = \"chat-assistant\"\napp = [\"beta.example\"]\n";
        c.add_source("t.toml", toml, &psl).unwrap();
        let text = "Tool ID,Tool,Tier\n,B-E-T-A,1\nbeta,,2\n";
        let mut r = Register::parse(Path::new("r.csv"), text.as_bytes()).unwrap();
        r.join(&mut c, &psl).unwrap();
        let joined: Vec<Option<ToolId>> = r.entries.iter().map(|e| e.tool).collect();
        assert_eq!(joined, vec![Some(0), Some(1)]);
    }

    /// Issue 23, case 10: a register of thousands of rows, as large organizations keep, joins
    /// exactly as a small one: catalogue tools by name and id, in-house tools made from their
    /// domains, every domain matching its row's tool, and a repeated name caught at its line.
    #[test]
    fn a_register_of_thousands_of_rows_joins_every_row() {
        let psl = crate::discovery::load_psl(None).unwrap();
        let mut c = Catalogue::embedded(&psl).unwrap();
        let catalogue_tools = c.tools.len();
        let known: Vec<(String, String)> = c
            .tools
            .iter()
            .take(100)
            .map(|t| (t.id.clone(), t.name.clone()))
            .collect();
        let mut text = String::from("Tool ID,Tool,Tier,Assessment Date,Owner,Domains\n");
        for (i, (id, name)) in known.iter().enumerate() {
            if i % 2 == 0 {
                text.push_str(&format!(",{name},1,2026-01-01,IT,\n"));
            } else {
                text.push_str(&format!("{},,2,,IT,\n", id.to_uppercase()));
            }
        }
        for i in 0..4_900 {
            text.push_str(&format!(
                ",In-house Tool {i},3,2026-02-01,Team,\"tool{i}.corp.example, *.api{i}.corp.example\"\n"
            ));
        }
        let mut r = Register::parse(Path::new("r.csv"), text.as_bytes()).unwrap();
        let rows = r.join(&mut c, &psl).unwrap();
        assert_eq!(c.tools.len(), catalogue_tools + 4_900);
        for (i, (id, _)) in known.iter().enumerate() {
            let t = c.tool_by_id(id).unwrap();
            assert_eq!(r.entries[i].tool, Some(t), "row {i} ({id})");
            assert_eq!(rows[t as usize], Some(i));
        }
        for i in 0..4_900 {
            let row = known.len() + i;
            let t = c.tool_by_id(&format!("in-house-tool-{i}")).unwrap();
            assert_eq!(r.entries[row].tool, Some(t));
            assert_eq!(rows[t as usize], Some(row));
            assert_eq!(c.tools[t as usize].name, format!("In-house Tool {i}"));
            for host in [
                format!("tool{i}.corp.example"),
                format!("eu.api{i}.corp.example"),
            ] {
                assert_eq!(
                    c.find_host(host.as_bytes()).map(|p| p.tool),
                    Some(t),
                    "{host}"
                );
            }
        }
        text.push_str(",in house tool 4321,4,,,\n");
        let mut c = Catalogue::embedded(&psl).unwrap();
        let mut r = Register::parse(Path::new("r.csv"), text.as_bytes()).unwrap();
        let err = r.join(&mut c, &psl).unwrap_err().to_string();
        assert!(
            err.starts_with("r.csv:5002:") && err.contains("already registered at line 4423"),
            "{err}"
        );
    }
}
