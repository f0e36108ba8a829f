# Warnings as errors on the project's own targets only; generated proto
# code and third-party headers keep their own warnings.
function(ironorg_target_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror)
endfunction()
