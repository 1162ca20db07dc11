#include "client/commands.h"

#include <iostream>

#include "client/command_util.h"
#include "client/interrupt.h"
#include "common/strings.h"
#include "common/units.h"

namespace silo::client {

struct ClientCommandsState {
  CLI::App& root;
  GlobalOptions global;
  CommandArgs args;
  std::vector<CommandDef> commands;
  std::string help_topic;
  std::string shell;
};

CLI::App* Registry::add(const std::string& name, const std::string& about,
                        const std::string& examples, CommandRunner run) {
  auto* cmd = root.add_subcommand(name, about);
  cmd->footer("Examples:\n" + examples);
  cmd->fallthrough();  // global options may follow the command
  commands.push_back({cmd, std::move(run), true});
  return cmd;
}

int usage_error(Session& s, std::string_view command, std::string_view message) {
  s.out().error(command, "", local_error(std::string(message)));
  return 2;
}

namespace {

// The long and short option names of `app`, each with its dashes.
std::string option_words(const CLI::App& app, bool short_names) {
  std::string out;
  for (const auto* o : app.get_options()) {
    for (const auto& l : o->get_lnames()) out += " --" + l;
    if (!short_names) continue;
    for (const auto& s : o->get_snames()) out += " -" + s;
  }
  return out;
}

// `silo completion bash`: generated from the command tree, so it never goes stale.
// Nested commands (share download, alias set) and `help CMD` complete as the
// second word, the third level (ilm rule add) as the third; their options
// join the command's.
std::string bash_completion(const CLI::App& root) {
  std::string cases, names;
  const std::string global = option_words(root, false);
  for (const auto* sub : root.get_subcommands({})) names += " " + sub->get_name();
  for (const auto* sub : root.get_subcommands({})) {
    std::string opts = option_words(*sub, true), subs, subsubs;
    for (const auto* nested : sub->get_subcommands({})) {
      subs += " " + nested->get_name();
      opts += option_words(*nested, true);
      for (const auto* third : nested->get_subcommands({})) {
        subsubs += " " + third->get_name();
        opts += option_words(*third, true);
      }
    }
    if (sub->get_name() == "help") subs = names;
    cases += "    " + sub->get_name() + ") opts=\"" + opts + global + "\" subs=\"" + subs +
             "\" subsubs=\"" + subsubs + "\" ;;\n";
  }
  return "# bash completion for silo; load with: source <(silo completion bash)\n"
         "_silo() {\n"
         "  local cur=${COMP_WORDS[COMP_CWORD]} cmd=${COMP_WORDS[1]} opts subs subsubs\n"
         "  if [ \"$COMP_CWORD\" -eq 1 ]; then\n"
         "    COMPREPLY=($(compgen -W \"" + names + "\" -- \"$cur\")); return\n"
         "  fi\n"
         "  case \"$cmd\" in\n" + cases + "    *) opts=\"\" subs=\"\" subsubs=\"\" ;;\n  esac\n"
         "  if [[ \"$cur\" == -* ]]; then COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\")); return; fi\n"
         "  if [ \"$COMP_CWORD\" -eq 2 ] && [ -n \"$subs\" ]; then\n"
         "    COMPREPLY=($(compgen -W \"$subs\" -- \"$cur\")); return\n"
         "  fi\n"
         "  if [ \"$COMP_CWORD\" -eq 3 ] && [ -n \"$subsubs\" ]; then\n"
         "    COMPREPLY=($(compgen -W \"$subsubs\" -- \"$cur\")); return\n"
         "  fi\n"
         "  local aliases=$(silo alias ls --names 2>/dev/null)\n"
         "  COMPREPLY=($(compgen -W \"$aliases\" -S / -- \"$cur\") $(compgen -f -- \"$cur\"))\n"
         "  compopt -o nospace 2>/dev/null\n"
         "}\n"
         "complete -F _silo silo\n";
}

void add_meta_commands(ClientCommandsState& st) {
  auto* help = st.root.add_subcommand("help", "Show help for a command: silo help cp");
  help->add_option("COMMAND", st.help_topic, "Command to explain");
  st.commands.push_back({help, [&st](Session&, const CommandArgs&) {
    CLI::App* cmd = nullptr;
    for (auto* sub : st.root.get_subcommands({})) {
      if (sub->get_name() == st.help_topic) cmd = sub;
    }
    if (!st.help_topic.empty() && !cmd) {
      std::cerr << "silo: help: no command named '" << st.help_topic << "'\n";
      return 2;
    }
    std::cout << (cmd ? cmd->help() : st.root.help());
    return 0;
  }, false});
  auto* comp = st.root.add_subcommand("completion", "Print a shell completion script: source <(silo completion bash)");
  comp->add_option("SHELL", st.shell, "bash")->check(CLI::IsMember({"bash"}));
  st.commands.push_back({comp, [&st](Session&, const CommandArgs&) {
    std::cout << bash_completion(st.root);
    return 0;
  }, false});
}

}  // namespace

ClientCommands::ClientCommands(CLI::App& app)
    : state_(new ClientCommandsState{app, {}, {}, {}, {}, {}}) {
  auto& g = state_->global;
  app.add_flag("--json", g.json, "Client commands: one JSON object per line on stdout");
  app.add_flag("-q,--quiet", g.quiet, "Client commands: no progress bar or per-object lines");
  app.add_option("--parallel", g.parallel, "Client commands: connections in flight (default 4)")
      ->check(CLI::Range(1, 256));
  app.add_option("--part-size", g.part_size, "Client commands: multipart part size (default 16MiB)");
  app.add_option("--retries", g.retries, "Client commands: attempts per request (default 5)")
      ->check(CLI::Range(1, 20));
  app.add_flag("--insecure", g.insecure,
               "Do not verify the server's TLS certificate (client commands, admin, bench)");
  Registry r{app, state_->args, state_->commands};
  add_alias_commands(r);
  add_bucket_commands(r);
  add_list_commands(r);
  add_copy_commands(r);
  add_read_commands(r);
  add_remove_commands(r);
  add_sync_commands(r);
  add_share_commands(r);
  add_quota_commands(r);
  add_tag_commands(r);
  add_anonymous_commands(r);
  add_version_commands(r);
  add_lock_commands(r);
  add_ilm_commands(r);
  add_cors_commands(r);
  add_meta_commands(*state_);
}

ClientCommands::~ClientCommands() = default;

bool ClientCommands::json() const { return state_->global.json; }

bool ClientCommands::insecure() const { return state_->global.insecure; }

bool ClientCommands::report_parse_error_as_json(int argc, char** argv, const std::string& message) {
  std::string command;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg(argv[i]);
    if (arg == "--json") json = true;
    if (command.empty() && !arg.starts_with("-")) command = arg;
  }
  if (!json) return false;
  Output(true, false).error(command, "", local_error(message));
  return true;
}

std::optional<int> ClientCommands::run() {
  for (auto& c : state_->commands) {
    if (!c.app->parsed()) continue;
    auto part = parse_size(state_->global.part_size);
    if (!part || *part < (5ull << 20) || *part > (5ull << 30)) {
      std::cerr << "silo: --part-size must be between 5MiB and 5GiB\n";
      return 2;
    }
    auto aliases = AliasConfig::load(AliasConfig::default_dir());
    if (!aliases) {
      std::cerr << "silo: " << aliases.error().text() << "\n";
      return 1;
    }
    // A command with a nested subcommand (alias set) runs that one.
    Session session(state_->global, std::move(*aliases), *part);
    install_interrupt_handlers();
    int rc = c.run(session, state_->args);
    session.out().stop_progress();
    // Interrupted and not finished cleanly (mirror --watch ends this way on purpose).
    if (int sig = interrupt_signal().load(); sig && rc != 0) {
      session.out().error(c.app->get_name(), "", local_error("interrupted"));
      return 128 + sig;
    }
    return rc;
  }
  return std::nullopt;
}

}  // namespace silo::client
