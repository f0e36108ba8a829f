# ironorg_proto_library(NAME
#   ROOT <folder the import paths are relative to>
#   PROTOS <files relative to ROOT>
#   [GRPC] [DEPS <proto libraries>])
#
# Generates C++ message code (and gRPC stubs with GRPC) for PROTOS and
# builds it into a static library that exports the generated headers.
function(ironorg_proto_library name)
  cmake_parse_arguments(ARG "GRPC" "ROOT" "PROTOS;DEPS" ${ARGN})
  set(out_dir "${CMAKE_BINARY_DIR}/gen")
  set(sources)
  foreach(proto IN LISTS ARG_PROTOS)
    string(REGEX REPLACE "\\.proto$" "" base "${proto}")
    set(outputs "${out_dir}/${base}.pb.cc" "${out_dir}/${base}.pb.h")
    set(plugin_args)
    if(ARG_GRPC)
      list(APPEND outputs "${out_dir}/${base}.grpc.pb.cc" "${out_dir}/${base}.grpc.pb.h")
      set(plugin_args
          "--grpc_out=${out_dir}"
          "--plugin=protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>")
    endif()
    add_custom_command(
      OUTPUT ${outputs}
      COMMAND ${CMAKE_COMMAND} -E make_directory "${out_dir}"
      COMMAND protobuf::protoc
              "--proto_path=${CMAKE_SOURCE_DIR}/proto"
              "--proto_path=${IRONORG_THIRD_PARTY_PROTO_DIR}"
              "--cpp_out=${out_dir}"
              ${plugin_args}
              "${ARG_ROOT}/${proto}"
      DEPENDS "${ARG_ROOT}/${proto}" protobuf::protoc
      COMMENT "Generating C++ code for ${proto}"
      VERBATIM)
    list(APPEND sources ${outputs})
  endforeach()
  add_library(${name} STATIC ${sources})
  target_include_directories(${name} PUBLIC "${out_dir}")
  target_link_libraries(${name} PUBLIC protobuf::libprotobuf ${ARG_DEPS})
  if(ARG_GRPC)
    target_link_libraries(${name} PUBLIC gRPC::grpc++)
  endif()
endfunction()
