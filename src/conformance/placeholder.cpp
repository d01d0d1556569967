namespace sharemsg::conformance {}
