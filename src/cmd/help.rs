//! `help`: the list of every command, built from the clap definitions so it cannot drift, and
//! `help COMMAND…` for one command's usage.

use std::fmt::Write as _;

const TRAILER: &str = "\
每个命令都接受 --format table|csv|json|xlsx（默认 table）；CSV 为 UTF-8 编码，加 --bom 便于 Excel 打开；
--year 默认为当前学分年度。单位联络员只能查询本单位及下级单位。
退出码：0 成功，2 用法错误，3 无权限，4 未找到，1 其他错误；错误信息写到标准错误。
运行 help 命令名（如 help report standings）查看该命令的选项，详见 docs/commands.md。
";

/// The help text for `help` with the given topic words.
pub fn render(topic: &[String]) -> Result<Vec<u8>, String> {
    if topic.is_empty() {
        return Ok(list().into_bytes());
    }
    let mut cmd = super::args::grammar();
    cmd.build();
    let mut current = &mut cmd;
    for word in topic {
        current = current
            .find_subcommand_mut(word)
            .ok_or_else(|| format!("没有命令 {}。运行 help 查看可用命令。", topic.join(" ")))?;
    }
    Ok(current.render_help().to_string().into_bytes())
}

/// Every runnable command (leaves of the tree) with its one-line description.
fn list() -> String {
    let cmd = super::args::grammar();
    let mut rows: Vec<(String, String)> = Vec::new();
    for sub in cmd.get_subcommands() {
        let about = |c: &clap::Command| c.get_about().map(|a| a.to_string()).unwrap_or_default();
        if sub.has_subcommands() {
            for leaf in sub.get_subcommands() {
                rows.push((
                    format!("{} {}", sub.get_name(), leaf.get_name()),
                    about(leaf),
                ));
            }
        } else {
            rows.push((sub.get_name().to_string(), about(sub)));
        }
    }
    let width = rows.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    let mut out = String::from(
        "网院脚本命令（ssh 主机 命令，或本机 wangyuan exec --as 用户名 -- 命令）：\n\n",
    );
    for (name, about) in rows {
        let _ = writeln!(out, "  {name:width$}  {about}");
    }
    out.push('\n');
    out.push_str(TRAILER);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_names_every_command() {
        let text = list();
        for name in [
            "help",
            "whoami",
            "report standings",
            "report units",
            "archive show",
            "course list",
        ] {
            assert!(text.contains(&format!("  {name} ")), "{name}: {text}");
        }
    }

    #[test]
    fn topic_help_shows_options_in_chinese() {
        let words = ["report".to_string(), "standings".to_string()];
        let text = String::from_utf8(render(&words).expect("help")).expect("utf8");
        for needle in ["用法：", "--year", "--status", "--format", "--bom", "选项"] {
            assert!(text.contains(needle), "{needle}: {text}");
        }
        assert!(render(&["nope".to_string()]).is_err());
    }
}
