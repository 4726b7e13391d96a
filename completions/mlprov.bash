# mlprov.bash - bash completion for mlprov(1). Installed by `make install` as
# $(BASHCOMPDIR)/mlprov (bash-completion loads it on first use of `mlprov`).
#
# Commands and options are read from the program itself: the "commands:"
# section of `mlprov --help`, the long options of `mlprov COMMAND --help`, and
# a "commands:" or "kinds:" section there for a command's first argument
# (`mlprov event file`), else the verbs its usage lines name (`mlprov model
# sign`, `mlprov index query`). A new subcommand therefore
# completes without editing this file; only option *values* are listed here.
# Works with or without the bash-completion package.

_mlprov_section() { # PROGRAM SECTION [ARGS...]: first words of a help section
  local prog=$1 section=$2
  shift 2
  "$prog" "$@" --help 2>/dev/null | awk -v s="$section:" '
    $0 == s { on = 1; next }
    on && /^  [a-z]/ { print $1; next }
    on && !/^ / { on = 0 }'
}

_mlprov_verbs() { # PROGRAM COMMAND: VERB of "usage: mlprov COMMAND VERB ..." lines
  "$1" "$2" --help 2>/dev/null | awk -v c="$2" '
    $1 == "usage:" { $1 = "" ; $0 = $0 }
    $1 == "mlprov" && $2 == c && $3 ~ /^[a-z][a-z-]*$/ && !seen[$3]++ { print $3 }'
}

_mlprov_long_options() { # PROGRAM COMMAND
  "$1" "$2" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}

_mlprov_files() {
  if declare -F _filedir >/dev/null; then
    _filedir
  else
    local IFS=$'\n'
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}

_mlprov() {
  local cur prev words cword
  if declare -F _init_completion >/dev/null; then
    _init_completion || return
  else
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
  fi
  local prog=${words[0]} cmd="" ci=0 i
  prog=${prog/#\~/$HOME}
  for ((i = 1; i < cword; i++)); do
    case ${words[i]} in
      -*) ;;
      *) cmd=${words[i]}; ci=$i; break ;;
    esac
  done
  if [[ -z $cmd ]]; then
    COMPREPLY=($(compgen -W "$(_mlprov_section "$prog" commands) --help --version" -- "$cur"))
    return
  fi
  # `mlprov run [OPTIONS] -- COMMAND ...`: complete the wrapped command.
  for ((i = ci + 1; i < cword; i++)); do
    if [[ ${words[i]} == -- ]]; then
      if ((i + 1 == cword)); then
        COMPREPLY=($(compgen -c -- "$cur" | sort -u))
      elif declare -F _command_offset >/dev/null; then
        _command_offset $((i + 1))
      else
        _mlprov_files
      fi
      return
    fi
  done
  case $prev in
    --type | -t)
      [[ $cmd == keygen ]] && COMPREPLY=($(compgen -W "ecdsa-p256 ecdsa-p384 ecdsa-p521 ed25519" -- "$cur"))
      return ;;
    --role) COMPREPLY=($(compgen -W "model checkpoint other" -- "$cur")); return ;;
    --format) COMPREPLY=($(compgen -W "lines files jsonl records" -- "$cur")); return ;;
    --builder-id | --max-frame | --drain-ms | --threads | --min-signatures | --records | \
      --digest | --merkle-root | --purl | --name | --uri | --title)
      return ;;
    --key | -k | --provenance | -p | --output | -o | --out | --lines | --path)
      _mlprov_files
      return ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$(_mlprov_long_options "$prog" "$cmd")" -- "$cur"))
    return
  fi
  if ((ci + 1 == cword)); then
    local first
    first=$(_mlprov_section "$prog" commands "$cmd")
    [[ -z $first ]] && first=$(_mlprov_section "$prog" kinds "$cmd")
    [[ -z $first ]] && first=$(_mlprov_verbs "$prog" "$cmd")
    if [[ -n $first ]]; then
      COMPREPLY=($(compgen -W "$first" -- "$cur"))
      return
    fi
  fi
  _mlprov_files
}
complete -F _mlprov mlprov
