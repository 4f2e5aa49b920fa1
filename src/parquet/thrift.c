/* placeholder: implemented by the thrift/metadata work */
